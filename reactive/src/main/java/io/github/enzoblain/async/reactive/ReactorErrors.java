package io.github.enzoblain.async.reactive;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

import reactor.core.Exceptions;
import reactor.core.scheduler.Schedulers;

/**
 * Reports an error thrown by a scheduled task the way Reactor's own schedulers do: {@code Schedulers.handleError}, i.e.
 * the current thread's {@link Thread.UncaughtExceptionHandler} (or Reactor's logger when there is none), then the
 * {@link Schedulers#onHandleError} hooks.
 *
 * <p><b>Concurrency.</b> Stateless after class initialisation; callable from any thread.
 */
final class ReactorErrors {

    /*
     * Implementation notes.
     *
     * Schedulers.handleError(Throwable) is package-private in reactor-core 3.8. reactor-core is an automatic module (or
     * on the class path), so its packages are open and a MethodHandle to it can be had once, at class initialisation.
     * If that ever fails (a future reactor with a real module descriptor, or a renamed method), the fallback does the
     * same work except the onHandleError hooks, which have no public entry point.
     */

    private static final MethodHandle HANDLE_ERROR = findHandleError();
    private static final System.Logger LOG = System.getLogger(LoopScheduler.class.getName());

    private ReactorErrors() {
    }

    static void report(Throwable error) {
        if (HANDLE_ERROR != null) {
            try {
                HANDLE_ERROR.invokeExact(error);
            } catch (Throwable ignored) {
                // the uncaught-exception handler or a hook failed: as in Reactor, nothing else to tell
            }
            return;
        }
        Thread thread = Thread.currentThread();
        Throwable t = Exceptions.unwrap(error);
        Thread.UncaughtExceptionHandler handler = thread.getUncaughtExceptionHandler();
        try {
            if (handler != null) {
                handler.uncaughtException(thread, t);
            } else {
                LOG.log(System.Logger.Level.ERROR, "Scheduler worker failed with an uncaught exception", t);
            }
        } catch (Throwable ignored) {
            // nothing left to tell
        }
    }

    private static MethodHandle findHandleError() {
        try {
            Method m = Schedulers.class.getDeclaredMethod("handleError", Throwable.class);
            m.setAccessible(true);
            return MethodHandles.lookup().unreflect(m)
                    .asType(MethodType.methodType(void.class, Throwable.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
