package org.influence4j.spark;

/**
 * Checks that Apache Spark is on the class path before any Spark type is touched, so that a missing dependency gives
 * a clear message instead of a {@link NoClassDefFoundError} deep inside a job. This class references no Spark type.
 */
final class SparkRuntime {

    /** The dependency this module is built against (Spark is {@code provided}: the user's application brings it). */
    static final String DEPENDENCY = "org.apache.spark:spark-sql_2.13 (3.5.x or 4.0.x)";

    private SparkRuntime() {
    }

    /**
     * @throws IllegalStateException if Spark's core or SQL classes cannot be loaded, naming the dependency
     */
    static void require() {
        require(SparkRuntime.class.getClassLoader());
    }

    static void require(ClassLoader loader) {
        for (String type : new String[] {"org.apache.spark.SparkContext", "org.apache.spark.sql.SparkSession"}) {
            try {
                Class.forName(type, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalStateException("Apache Spark is not on the class path (" + type + " is missing): "
                        + "influence-spark runs inside a Spark application, which must bring " + DEPENDENCY
                        + " — add it to your build, or launch with spark-submit, whose class path has it", e);
            }
        }
    }
}
