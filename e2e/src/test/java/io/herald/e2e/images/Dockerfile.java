package io.herald.e2e.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The top-level Dockerfile read on its own, independently of {@code scripts/images.sh}, so
 * that a test can hold the daemonless images to what a {@code docker build} of each target
 * would give: the files copied, the user, the environment, the ports and the entrypoint.
 */
record Dockerfile(Map<String, Stage> stages) {
    /** One stage: its base (another stage or an image) and its instructions in order. */
    record Stage(String name, String from, List<String[]> instructions) {
        /** Every instruction of this stage and the stages it is built on, base first. */
        List<String[]> all(Dockerfile file) {
            List<String[]> out = new ArrayList<>();
            Stage base = file.stages().get(from);
            if (base != null) {
                out.addAll(base.all(file));
            }
            out.addAll(instructions);
            return out;
        }
    }

    static Dockerfile read(Path file) {
        try {
            Map<String, Stage> stages = new LinkedHashMap<>();
            Stage current = null;
            StringBuilder line = new StringBuilder();
            for (String raw : Files.readAllLines(file)) {
                if (raw.strip().startsWith("#") || raw.isBlank()) {
                    continue;
                }
                if (raw.endsWith("\\")) {
                    line.append(raw, 0, raw.length() - 1).append(' ');
                    continue;
                }
                line.append(raw);
                String[] parts = line.toString().strip().split("\\s+", 2);
                line.setLength(0);
                String instruction = parts[0].toUpperCase();
                String args = parts.length > 1 ? parts[1] : "";
                if (instruction.equals("FROM")) {
                    String[] from = args.split("\\s+");
                    current = new Stage(from[from.length - 1], from[0], new ArrayList<>());
                    stages.put(current.name(), current);
                } else if (current != null) {
                    current.instructions().add(new String[] {instruction, args});
                }
            }
            return new Dockerfile(stages);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** What {@code docker build --target TARGET} puts in the image config and where it copies files. */
    record Layout(String user, List<String> entrypoint, List<String> env, List<String> exposedPorts, Map<String, String> copies) {}

    Layout layout(String target) {
        Stage stage = stages.get(target);
        if (stage == null) {
            throw new IllegalArgumentException("the Dockerfile has no target " + target + "; it has " + stages.keySet());
        }
        String user = "";
        List<String> entrypoint = List.of();
        List<String> env = new ArrayList<>(List.of(DEBIAN_PATH));
        List<String> ports = new ArrayList<>();
        Map<String, String> copies = new LinkedHashMap<>();
        for (String[] i : stage.all(this)) {
            switch (i[0]) {
                case "USER" -> user = i[1];
                case "ENTRYPOINT" -> entrypoint = List.of(i[1].replaceAll("^\\[|\\]$", "").split("\\s*,\\s*")).stream()
                        .map(w -> w.replaceAll("^\"|\"$", "")).toList();
                case "ENV" -> env.add(i[1].replaceFirst("\\s+|=", "="));
                case "EXPOSE" -> ports.add(i[1] + "/tcp");
                case "COPY" -> {
                    String[] w = i[1].split("\\s+");
                    copies.put(w[1], w[0]);
                }
                default -> { }
            }
        }
        return new Layout(user, entrypoint, env, ports, copies);
    }

    /** The environment Debian's images set (and {@code FROM debian:...} inherits). */
    static final String DEBIAN_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}
