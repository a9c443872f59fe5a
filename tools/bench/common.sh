# Sourced by the benchmark scripts of tools/bench (run from the repository's root).

# Prints the home of a JDK >= 21 (JAVA_HOME first, then /usr/lib/jvm/*), read from its release file.
find_java() {
    local d v
    for d in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
        [ -n "$d" ] && [ -x "$d/bin/java" ] || continue
        v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$d/release" 2>/dev/null)"
        if [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge 21 ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

# Prints graft-core's test class path (classes, test classes, test-scope jars such as ONNX Runtime),
# running mvn test-compile first when CLASS (a class file under graft-core/target/test-classes) is missing
# or graft-core's sources are newer than the class path file. $1: the JDK, $2: CLASS.
test_classpath() {
    local jdk="$1" class="$2" cp_file="graft-core/target/embed-bench.classpath"
    if [ ! -f "graft-core/target/test-classes/$class" ] || [ ! -f "$cp_file" ] \
            || [ -n "$(find graft-core/src graft-core/pom.xml -newer "$cp_file" -print -quit)" ]; then
        echo "== building graft-core test classes (mvn test-compile)" >&2
        JAVA_HOME="$jdk" mvn -q -B -ntp -pl graft-core test-compile dependency:build-classpath \
            -Dmdep.outputFile="$(pwd)/$cp_file" -Dmdep.includeScope=test >&2 || return 1
    fi
    echo "graft-core/target/classes:graft-core/target/test-classes:$(cat "$cp_file")"
}
