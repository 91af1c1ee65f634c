package org.influence4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** A missing Spark is named, with the dependency to add. */
class SparkRuntimeTest {

    @Test
    void missingSpark_isNamedWithItsDependency() throws Exception {
        // the test class path without Spark's and Scala's jars
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.contains("/org/apache/spark/") && !entry.contains("/org/scala-lang/")) {
                urls.add(new File(entry).toURI().toURL());
            }
        }
        try (URLClassLoader noSpark = new URLClassLoader(urls.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("org.apache.spark.SparkContext", false, noSpark))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> model = Class.forName("org.influence4j.spark.SparkModel", true, noSpark);
            assertThatThrownBy(() -> {
                try {
                    model.getMethod("of", Object.class).invoke(null, new Object());
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                }
            }).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Apache Spark is not on the class path")
                    .hasMessageContaining("org.apache.spark:spark-sql_2.13");
        }
        // with Spark present, the check passes
        SparkRuntime.require();
        assertThat(SparkRuntime.DEPENDENCY).contains("spark-sql_2.13");
    }
}
