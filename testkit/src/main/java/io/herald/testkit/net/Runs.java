package io.herald.testkit.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Run directories of root-only test environments (the process lab, the real cluster): each
 * run has a six-hex-digit id and a directory naming the JVM that owns it, so that the next
 * start can tell a live run of another JVM from one left by a JVM that was killed.
 */
public final class Runs {
    private static final Logger log = LogManager.getLogger(Runs.class);

    private Runs() {}

    /**
     * Claims a run id under {@code runs}: its directory appears whole (owner file inside) by
     * one rename, so a cleaner in another JVM never takes a run being born for a dead one.
     *
     * @param taken ids already used by something the directory does not show (namespaces)
     */
    public static String claim(Path runs, Predicate<String> taken) {
        try {
            Files.createDirectories(runs);
            SecureRandom random = new SecureRandom();
            for (int attempt = 0; attempt < 20; attempt++) {
                String run = HexFormat.of().formatHex(random.generateSeed(3));
                Path dir = runs.resolve(run);
                if (Files.exists(dir) || taken.test(run)) {
                    continue;
                }
                Path birth = Files.createTempDirectory(runs, ".new-");
                Files.writeString(birth.resolve("owner"), self());
                try {
                    Files.move(birth, dir, StandardCopyOption.ATOMIC_MOVE);
                    return run;
                } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                    deleteTree(birth);
                }
            }
            throw new IllegalStateException("found no free run id under " + runs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a run directory under " + runs, e);
        }
    }

    /** The run ids with a directory under {@code runs}; half-born directories of dead JVMs are deleted. */
    public static List<String> listed(Path runs) {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(runs)) {
            return out;
        }
        try (var dirs = Files.list(runs)) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                if (name.matches("[0-9a-f]{6}")) {
                    out.add(name);
                } else if (name.startsWith(".new-") && !ownerAlive(d)) {
                    deleteTree(d);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list {}: {}", runs, e.toString());
        }
        return out;
    }

    /** Whether the JVM named in {@code dir/owner} still runs (pid and start time both checked). */
    public static boolean ownerAlive(Path dir) {
        try {
            String[] owner = Files.readString(dir.resolve("owner")).strip().split(" ");
            Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(owner[0]));
            return process.isPresent() && process.get().isAlive() && started(process.get()).equals(owner[1]);
        } catch (IOException | RuntimeException e) {
            return false; // no owner file: a run dir that never got one, or namespaces without a dir
        }
    }

    /** Appends "PID START" of {@code process} to {@code dir/pids}, for {@link #recorded}. */
    public static void record(Path dir, ProcessHandle process) {
        try {
            Files.writeString(dir.resolve("pids"), process.pid() + " " + started(process) + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record pid " + process.pid() + " in " + dir, e);
        }
    }

    /** Processes recorded in {@code dir/pids}, still alive and still the same process (start time matches). */
    public static List<ProcessHandle> recorded(Path dir) {
        Path pids = dir.resolve("pids");
        if (!Files.exists(pids)) {
            return List.of();
        }
        try {
            List<ProcessHandle> out = new ArrayList<>();
            for (String line : Files.readAllLines(pids)) {
                String[] parts = line.split(" ");
                if (parts.length == 2) {
                    ProcessHandle.of(Long.parseLong(parts[0]))
                            .filter(h -> started(h).equals(parts[1]))
                            .ifPresent(out::add);
                }
            }
            return out;
        } catch (IOException | NumberFormatException e) {
            log.warn("cannot read {}: {}", pids, e.toString());
            return List.of();
        }
    }

    /** SIGKILLs the processes and their descendants and waits for them to be gone. */
    public static void kill(String what, List<ProcessHandle> processes, Duration patience) {
        for (ProcessHandle process : processes) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        awaitGone(what, processes, patience);
    }

    /** Waits for SIGKILLed processes to be gone; an interrupt does not shorten it, only the deadline does. */
    public static void awaitGone(String what, List<ProcessHandle> processes, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        boolean interrupted = false;
        for (ProcessHandle process : processes) {
            while (process.isAlive() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (process.isAlive()) {
                log.warn("{}: pid {} survived SIGKILL for {} s", what, process.pid(), patience.toSeconds());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    public static void deleteTree(Path root) {
        Exec.Result result = Exec.run(Exec.SHORT, "rm", "-rf", "--one-file-system", "--", root.toString());
        if (!result.ok()) {
            log.warn("cannot delete {}: {}", root, result.err().strip());
        }
    }

    public static void requireRoot(String what) {
        try {
            boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.matches("Uid:\\s+\\d+\\s+0\\s.*"));
            if (!root) {
                throw new IllegalStateException(what + " needs root: it makes network namespaces, links and bridges");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell whether this process is root", e);
        }
    }

    public static void requireCommands(String what, List<String> commands) {
        List<String> path = List.of(System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"));
        for (String command : commands) {
            if (path.stream().noneMatch(dir -> Files.isExecutable(Path.of(dir, command)))) {
                throw new IllegalStateException(what + " needs " + command + " on the PATH; scripts/setup.sh installs it");
            }
        }
    }

    /** "PID START": enough to tell this JVM from a later process that got the same pid. */
    private static String self() {
        ProcessHandle me = ProcessHandle.current();
        return me.pid() + " " + started(me) + "\n";
    }

    /**
     * When the process started, in clock ticks since boot (field 22 of {@code /proc/PID/stat}).
     * Not {@code ProcessHandle.Info.startInstant()}: that adds the boot time each JVM reads
     * once from {@code /proc/stat}, which moves with the wall clock, so two JVMs can see the
     * same process start a second apart, and a cleaner in one would take the other's live
     * run for a dead one's.
     */
    private static String started(ProcessHandle process) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return fields[19]; // fields after the name start at field 3 (state); starttime is field 22
        } catch (IOException | RuntimeException gone) {
            return "?";
        }
    }
}
