/** JMH benchmarks of the loop against its floor and its competitors; see {@code benchmarks/RESULTS.md}. */
package io.github.enzoblain.async.benchmarks;
