package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/ARCHITECTURE.md: core depends on the JDK only (java.*, and jdk.jfr for its Flight Recorder events). */
class ModuleRulesTest {

    private static final Pattern IMPORT = Pattern.compile("(?m)^import\\s+(?:static\\s+)?([\\w.]+)");

    @Test
    void coreImportsOnlyTheJdkAndItself() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                try {
                    Matcher m = IMPORT.matcher(Files.readString(p));
                    while (m.find()) {
                        String name = m.group(1);
                        if (!name.startsWith("java.") && !name.startsWith("jdk.jfr.")
                                && !name.startsWith("io.github.enzoblain.async.core.")) {
                            offenders.add(p.getFileName() + ": " + name);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        assertThat(offenders).isEmpty();
    }
}
