#!/usr/bin/env bash
# Runs `influence4j spark-influence` in Spark local mode on this machine, without a Spark installation: the
# command-line jar plus Spark's own jars (the provided dependency, listed by the build in target/spark-classpath.txt),
# with the packages Spark needs opened on Java 17. Build first: mvn -B -q -DskipTests package
#   influence-bench/spark-local.sh --master 'local[2]' --out out/spark-run [options; --help lists them]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/influence4j-cli.jar"
classpath_file="$here/target/spark-classpath.txt"
if [[ ! -f "$jar" || ! -f "$classpath_file" ]]; then
  echo "spark-local.sh: $jar or $classpath_file is missing; build first: mvn -B -q -DskipTests package" >&2
  exit 2
fi
opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)
# ND4J arrays live off the Java heap; maxphysicalbytes makes the JVM collect garbage before the process outgrows it
exec java ${JAVA_OPTS:--Xmx4g -Dorg.bytedeco.javacpp.maxphysicalbytes=12g} "${opens[@]}" -Djava.awt.headless=true \
  -cp "$jar:$(cat "$classpath_file")" org.influence4j.bench.cli.Main spark-influence "$@"
