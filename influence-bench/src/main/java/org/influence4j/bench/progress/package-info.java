/**
 * Console progress for long command-line loops (leave-one-out retraining, sweeps), drawn on standard error with
 * me.tongfei:progressbar when a terminal is attached; see {@link org.influence4j.bench.progress.Progress}.
 */
package org.influence4j.bench.progress;
