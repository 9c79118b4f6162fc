package io.github.enzoblain.async.examples;

import java.nio.file.Path;

/**
 * Where the examples write files: the directory in the system property {@code async.examples.out} (the showcase sets
 * it to the module's build directory), else {@code target} under the working directory (the tests' case).
 */
final class Outputs {

    private Outputs() {
    }

    /** @return the path of the output file {@code name} */
    static Path file(String name) {
        return Path.of(System.getProperty("async.examples.out", "target")).resolve(name);
    }
}
