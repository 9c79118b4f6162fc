package io.github.enzoblain.async.examples;

/**
 * The showcase: runs the three uses one after the other and prints a short summary of each.
 * {@code ./mvnw -B -q -pl examples -am compile exec:java}. Each example says which threads it uses.
 */
public final class Showcase {

    private Showcase() {
    }

    public static void main(String[] args) {
        System.out.println("== 1. Deterministic scheduler in a Reactor pipeline (DeterministicPipeline)");
        System.out.println(DeterministicPipeline.run(DeterministicPipeline.Params.defaults()).summary());
        System.out.println();
        System.out.println("== 2. Flow-controlled ingestion (FlowControlledIngestion)");
        System.out.println(FlowControlledIngestion.run(FlowControlledIngestion.Params.defaults()).summary());
        System.out.println();
        System.out.println("== 3. Cancellable delayed workflows (DelayedWorkflows)");
        System.out.println(DelayedWorkflows.run(DelayedWorkflows.Params.defaults()).summary());
    }
}
