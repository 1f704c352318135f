package io.herald.common.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
    @ParameterizedTest
    @CsvSource({"100ms, 100", "500ms, 500", "2s, 2000", "1m, 60000", "0ms, 0", "' 6s ', 6000"})
    void readsANumberAndAUnit(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), DurationConverter.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"500", "2", "1.5s", "2 s", "-1s", "2h", "s", "", "100MS"})
    void refusesAnythingElseNamingTheForm(String text) {
        var e = assertThrows(TypeConversionException.class, () -> DurationConverter.parse(text));
        assertTrue(e.getMessage().contains("such as 500ms or 2s"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"100, 100ms", "2000, 2s", "60000, 1m", "1500, 1500ms", "0, 0ms"})
    void writesTheSameForm(long millis, String text) {
        assertEquals(text, DurationConverter.format(Duration.ofMillis(millis)));
        assertEquals(Duration.ofMillis(millis), DurationConverter.parse(text));
    }
}
