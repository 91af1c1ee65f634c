package org.influence4j.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.influence4j.ProgressListener;
import scala.Tuple2;

/**
 * How the driver runs Spark jobs: each action in its own job group (so it can be cancelled: an interrupt of the
 * calling thread cancels the group and surfaces as a {@link CancellationException}), with progress reported per
 * finished task, and reductions of per-partition accumulators in a fixed order (a tree of fan-in {@value #FAN_IN} over
 * partition indices, then the driver in index order), so that a result does not depend on which task finished first.
 */
final class Jobs {

    /** Partial results merged per tree node. */
    static final int FAN_IN = 16;

    private static final String GROUP_PROPERTY = "spark.jobGroup.id";

    private Jobs() {
    }

    /**
     * Runs {@code action} (which starts Spark jobs on this thread) in a fresh job group, reporting finished tasks of
     * those jobs to {@code progress} under {@code task}.
     */
    static <T> T run(JavaSparkContext sc, String task, ProgressListener progress, Supplier<T> action) {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("interrupted before " + task);
        }
        String group = "influence4j-" + UUID.randomUUID();
        TaskCounter counter = new TaskCounter(group, task, progress);
        // the caller's own job group is restored afterwards (so that its cancelJobGroup still reaches later jobs)
        String callerGroup = sc.getLocalProperty(GROUP_PROPERTY);
        String callerDescription = sc.getLocalProperty("spark.job.description");
        String callerInterrupt = sc.getLocalProperty("spark.job.interruptOnCancel");
        Hub hub = Hub.of(sc);
        hub.counters.put(group, counter);
        sc.setJobGroup(group, "influence4j: " + task, true);
        try {
            return action.get();
        } catch (Exception e) {
            // Spark rethrows an interrupt as a raw InterruptedException and a failed job as its checked
            // SparkException, neither declared: both arrive here
            if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()
                    || hasCause(e, InterruptedException.class)) {
                sc.cancelJobGroup(group);
                Thread.currentThread().interrupt();
                CancellationException c = new CancellationException("interrupted during " + task
                        + "; its Spark jobs were cancelled");
                c.initCause(e);
                throw c;
            }
            IllegalArgumentException badInput = causeOf(e, IllegalArgumentException.class);
            if (badInput != null) {
                throw new IllegalArgumentException(badInput.getMessage(), e);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("the Spark job for " + task + " failed (after Spark's task retries): "
                    + e.getMessage(), e);
        } finally {
            sc.setLocalProperty(GROUP_PROPERTY, callerGroup);
            sc.setLocalProperty("spark.job.description", callerDescription);
            sc.setLocalProperty("spark.job.interruptOnCancel", callerInterrupt);
            hub.counters.remove(group);
        }
    }

    /**
     * One listener per Spark context, registered once and never removed, that hands task events to the counters of
     * the running calls. (Adding and removing a listener per call would make Spark start and stop an event queue each
     * time; stopping one from an interrupted thread leaves it unable to stop again, which hangs
     * {@code SparkContext.stop()}.)
     */
    private static final class Hub extends SparkListener {
        private static final Map<org.apache.spark.SparkContext, Hub> HUBS =
                java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
        final Map<String, TaskCounter> counters = new ConcurrentHashMap<>();

        static Hub of(JavaSparkContext sc) {
            synchronized (HUBS) {
                Hub h = HUBS.get(sc.sc());
                if (h == null) {
                    h = new Hub();
                    sc.sc().addSparkListener(h);
                    HUBS.put(sc.sc(), h);
                }
                return h;
            }
        }

        @Override
        public void onJobStart(SparkListenerJobStart start) {
            java.util.Properties p = start.properties();
            TaskCounter c = p == null ? null : counters.get(String.valueOf(p.getProperty(GROUP_PROPERTY)));
            if (c != null) {
                c.onJobStart(start);
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            for (TaskCounter c : counters.values()) {
                c.onTaskEnd(end);
            }
        }
    }

    private static <T extends Throwable> T causeOf(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    /**
     * Runs driver-side work that calls Spark outside {@link #run} (broadcasts, small actions): an interrupt, which
     * Spark rethrows as a raw, undeclared {@link InterruptedException}, becomes a {@link CancellationException} with
     * the interrupt flag set.
     */
    static <T> T cancellable(String task, Supplier<T> work) {
        try {
            return work.get();
        } catch (CancellationException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()
                    || hasCause(e, InterruptedException.class)) {
                Thread.currentThread().interrupt();
                CancellationException c = new CancellationException("interrupted during " + task);
                c.initCause(e);
                throw c;
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(task + " failed: " + e.getMessage(), e);
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Merges the partial results of {@code partials} — at most one per partition — in partition order: groups of
     * {@value #FAN_IN} consecutive partitions are merged on executors (in index order) until at most
     * {@value #FAN_IN} remain, which the driver merges in index order. The shape of Spark's {@code treeAggregate},
     * without its dependence on task completion order.
     *
     * @throws IllegalStateException if every partition was empty
     */
    static <A> A reduce(JavaRDD<A> partials, BinaryOperator<A> combine) {
        int count = partials.getNumPartitions();
        JavaPairRDD<Integer, A> level = partials.mapPartitionsWithIndex((i, it) -> {
            List<Tuple2<Integer, A>> out = new ArrayList<>(1);
            A acc = null;
            while (it.hasNext()) {
                A a = it.next();
                acc = acc == null ? a : combine.apply(acc, a);
            }
            if (acc != null) {
                out.add(new Tuple2<>(i, acc));
            }
            return out.iterator();
        }, true).mapToPair(t -> t);
        while (count > FAN_IN) {
            int parents = (count + FAN_IN - 1) / FAN_IN;
            level = level.mapToPair(t -> new Tuple2<>(t._1() / FAN_IN, t)).groupByKey(parents)
                    .mapToPair(g -> new Tuple2<>(g._1(), mergeInOrder(g._2(), combine)));
            count = parents;
        }
        List<Tuple2<Integer, A>> top = level.collect();
        if (top.isEmpty()) {
            throw new IllegalStateException("every partition was empty");
        }
        return mergeInOrder(top, combine);
    }

    private static <A> A mergeInOrder(Iterable<Tuple2<Integer, A>> parts, BinaryOperator<A> combine) {
        List<Tuple2<Integer, A>> list = new ArrayList<>();
        parts.forEach(list::add);
        list.sort(Comparator.comparingInt(Tuple2::_1));
        Iterator<Tuple2<Integer, A>> it = list.iterator();
        A acc = it.next()._2();
        while (it.hasNext()) {
            acc = combine.apply(acc, it.next()._2());
        }
        return acc;
    }

    /** Counts the finished tasks of one job group's jobs and reports them. */
    private static final class TaskCounter {
        private final String group;
        private final String task;
        private final ProgressListener progress;
        private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
        private final AtomicLong total = new AtomicLong();
        private final AtomicLong done = new AtomicLong();

        TaskCounter(String group, String task, ProgressListener progress) {
            this.group = group;
            this.task = task;
            this.progress = progress;
        }

        void onJobStart(SparkListenerJobStart start) {
            scala.collection.Iterator<StageInfo> it = start.stageInfos().iterator();
            while (it.hasNext()) {
                StageInfo s = it.next();
                if (stages.add(s.stageId())) {
                    total.addAndGet(s.numTasks());
                }
            }
        }

        void onTaskEnd(SparkListenerTaskEnd end) {
            if (stages.contains(end.stageId()) && end.taskInfo() != null && end.taskInfo().successful()) {
                long d = done.incrementAndGet();
                try {
                    progress.onProgress(task, Math.min(d, total.get()), total.get());
                } catch (RuntimeException ignored) {
                    // a progress listener must not throw; a faulty one must not fail the job either
                }
            }
        }
    }
}
