package io.github.enzoblain.async.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Promise 1: core never starts a thread; only LoopThread does, when its user asks. */
class NoHiddenThreadsTest {

    @Test
    void usingALoopStartsNoThread() {
        long before = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("hidden")).count();
        VirtualClock clock = new VirtualClock();
        Loop loop = Loop.builder().name("hidden-check").clock(clock).build();
        java.util.Set<Thread> ranOn = new java.util.HashSet<>();
        for (int i = 0; i < 100; i++) {
            loop.execute(() -> ranOn.add(Thread.currentThread()));
            loop.schedule(() -> ranOn.add(Thread.currentThread()), Duration.ofMillis(i));
            loop.spawn(() -> java.util.concurrent.CompletableFuture.completedFuture(1));
        }
        clock.advanceBy(Duration.ofSeconds(1));
        loop.close();
        assertThat(ranOn).containsExactly(Thread.currentThread());
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("hidden")).count())
                .isEqualTo(before);
    }

    @Test
    void onlyLoopThreadCreatesThreadsInCoreSources() throws IOException {
        Path main = Path.of("src/main/java");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.getFileName().toString().equals("LoopThread.java"))
                    .filter(p -> {
                        try {
                            // a declaration that overrides a JDK async method (TaskFuture refuses completeAsync)
                            // calls nothing: only calls count
                            String s = Files.readString(p)
                                    .replaceAll("(?m)^\\s*public\\s[^=;]*\\w+Async\\([^)]*\\)\\s*\\{\\s*$", "");
                            return s.contains("new Thread(") || s.contains("Executors.") || s.contains(".start()")
                                    || s.contains("ForkJoinPool") || s.contains("Async(");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(Path::toString).collect(Collectors.toList());
        }
        assertThat(offenders).isEmpty();
    }
}
