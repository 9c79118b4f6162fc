package io.github.enzoblain.async.reactive;

import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * BlockHound, installed with only {@link LoopBlockHoundIntegration}, catches a blocking call on the loop's thread.
 * Runs in its own JVM (Surefire execution {@code blockhound} in this module's pom): installing BlockHound instruments
 * the JDK for the rest of the JVM's life, and on JDK 13+ needs {@code -XX:+AllowRedefinitionToAddDeleteMethods}.
 */
class LoopBlockHoundTest {

    @Test
    void aBlockingCallOnTheLoopThreadIsReported() throws Exception {
        BlockHound.builder().with(new LoopBlockHoundIntegration()).install();
        LoopScheduler scheduler = LoopScheduler.newLoopThread("blockhound-check");
        try {
            CompletableFuture<Throwable> onLoop = new CompletableFuture<>();
            scheduler.schedule(() -> {
                try {
                    LockSupport.parkNanos(1_000); // blocking: must be refused on a non-blocking thread
                    onLoop.complete(null);
                } catch (Throwable t) {
                    onLoop.complete(t);
                }
            });
            assertThat(onLoop.get(30, TimeUnit.SECONDS)).isInstanceOf(BlockingOperationError.class);

            // the loop thread idles for this timer, down to parking: allowed (Loop.idle, Loop.park), or the thread
            // would die of BlockingOperationError there and the timer never fire
            CompletableFuture<Boolean> afterParking = new CompletableFuture<>();
            scheduler.schedule(() -> afterParking.complete(true), 50, TimeUnit.MILLISECONDS);
            assertThat(afterParking.get(30, TimeUnit.SECONDS)).isTrue();

            LockSupport.parkNanos(1_000); // the test's own thread may block
        } finally {
            scheduler.dispose();
        }
    }
}
