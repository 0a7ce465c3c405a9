#!/usr/bin/env bash
# A Java runtime for the Spark engine's tests (pyspark starts a JVM). Idempotent: nothing to do when a
# java binary is already on PATH (or JAVA_HOME is set); otherwise the distribution's headless JRE.
set -euo pipefail
if command -v java >/dev/null 2>&1 || { [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; }; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "java.sh: no java and no apt-get; install a JRE (17 or 21) for the Spark tests" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
pkg=""
for candidate in openjdk-17-jre-headless openjdk-21-jre-headless default-jre-headless; do
  if apt-cache show "$candidate" >/dev/null 2>&1; then pkg="$candidate"; break; fi
done
if [ -z "$pkg" ]; then
  echo "java.sh: no OpenJDK package found by apt-cache" >&2
  exit 1
fi
$SUDO apt-get install -y -q --no-install-recommends "$pkg"
java -version
