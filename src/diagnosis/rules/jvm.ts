import type { Rule } from "../rule.ts";

// Gradle task names that only check style or formatting.
const LINT_TASK =
  "(?:spotless|checkstyle|ktlint|detekt|pmd|lint|format|codenarc|scalafmt|scalastyle)";

/** Java, Kotlin and Scala builds with Maven and Gradle. */
export const JVM_RULES: readonly Rule[] = [
  {
    id: "java/compile-error",
    category: "compile_error",
    transient: false,
    confidence: 0.9,
    keywords: ["error", ".kt"],
    patterns: [
      /\[ERROR\] \S+\.(?:java|kt|scala|groovy):\[\d+,\d+\] /,
      /^\S+\.java:\d+: error: /,
      /^e: (?:file:\/\/)?\S+\.kts?(?::\d+:\d+:? |: \(\d+, \d+\): )/,
      /^\[error\] \S+\.scala:\d+:\d+: /,
    ],
    explanation: "The Java/Kotlin/Scala compiler rejected the code.",
    remedy:
      "Fix the compile error at the reported file and line; a changed dependency API is a common cause.",
    examples: [
      "[ERROR] /home/runner/work/app/src/main/java/com/acme/Order.java:[71,65] cannot find symbol",
      "/__w/app/app/src/main/java/com/acme/Order.java:10: error: incompatible types: String cannot be converted to int",
      "e: /app/src/main/kotlin/Main.kt: (12, 5): Unresolved reference: foo",
      "e: file:///app/src/main/kotlin/Main.kt:12:5 Unresolved reference 'foo'.",
    ],
  },
  {
    id: "java/compile-failure-summary",
    category: "compile_error",
    transient: false,
    confidence: 0.6,
    keywords: ["compilation error", "compilation failure", "compilation failed"],
    patterns: [
      /COMPILATION ERROR|Compilation failure|Compilation failed; see the compiler error output/,
    ],
    symptom: true,
    explanation: "The Java/Kotlin compilation failed.",
    remedy: "Fix the compile errors listed above this line.",
    examples: [
      "[ERROR] COMPILATION ERROR : ",
      "> Compilation failed; see the compiler error output for details.",
    ],
  },
  {
    id: "gradle/lint-task",
    category: "lint_format",
    transient: false,
    confidence: 0.88,
    keywords: ["execution failed for task", "format violations", "to fix"],
    patterns: [
      new RegExp(`Execution failed for task '[\\w:.-]*:${LINT_TASK}[\\w.-]*'`, "i"),
      /The following files had format violations:/,
      /Run '\S*(?:gradlew?|mvn) \S*(?:spotlessApply|ktlintFormat|spotless:apply)' to fix/,
    ],
    explanation:
      "A Gradle style or formatting check (Spotless, Checkstyle, ktlint, detekt) failed.",
    remedy:
      "Run the matching fix task locally (e.g. `./gradlew spotlessApply`) and commit, or exclude generated files from the check.",
    examples: [
      "Execution failed for task ':spotlessJavaCheck'.",
      "Execution failed for task ':app:ktlintMainSourceSetCheck'.",
      "> The following files had format violations:",
    ],
  },
  {
    id: "maven/lint-goal",
    category: "lint_format",
    transient: false,
    confidence: 0.8,
    keywords: [
      "failed to execute goal",
      "lint found",
      "unapproved license",
      "javadoc: error",
      "javadoc errors",
      "pmd violation",
      "pmd failure",
    ],
    patterns: [
      /Failed to execute goal [\w.:-]*(?:checkstyle|pmd|spotbugs|findbugs|apache-rat|javadoc|spotless|formatter|license|ktlint|detekt|sortpom|editorconfig)[\w.:-]*/,
      /Lint found (?:\d+ )?errors?/,
      /Too many files with unapproved license/,
      /javadoc: error - |Error while (?:generating|creating) Javadoc|You have \d+ PMD violations?|PMD Failure: /,
    ],
    explanation:
      "A Maven or Android code-quality check (Checkstyle, PMD, SpotBugs, Javadoc, license headers, Android lint) failed.",
    remedy: "Fix the findings the plugin lists above, or run its fix goal locally.",
    examples: [
      "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-checkstyle-plugin:3.3.1:check (validate) on project api: You have 2 Checkstyle violations. -> [Help 1]",
      "> Lint found errors in the project; aborting build.",
      "[ERROR] Failed to execute goal org.apache.rat:apache-rat-plugin:0.15:check (default) on project core: Too many files with unapproved license: 1",
    ],
  },
  {
    id: "maven/enforcer",
    category: "config_invalid",
    transient: false,
    confidence: 0.62,
    keywords: ["enforcer rules have failed"],
    patterns: [/Some Enforcer rules have failed/],
    explanation:
      "A Maven Enforcer rule (Java or Maven version, banned or converging dependencies) failed.",
    remedy:
      "Read the rule named above the message: align the JDK, Maven version or dependency it checks.",
    examples: [
      "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-enforcer-plugin:3.4.1:enforce (enforce) on project x: Some Enforcer rules have failed. Look above for specific messages explaining why the rule failed. -> [Help 1]",
    ],
  },
  {
    id: "gradle/compile-task",
    category: "compile_error",
    transient: false,
    confidence: 0.6,
    keywords: ["execution failed for task"],
    patterns: [/Execution failed for task '[\w:.-]*:(?:compile|kapt|ksp)\w*'/],
    symptom: true,
    explanation: "A Gradle compile task failed.",
    remedy: "Fix the compiler errors printed above.",
    examples: ["Execution failed for task ':app:compileJava'."],
  },
  {
    id: "jvm/checkstyle",
    category: "lint_format",
    transient: false,
    confidence: 0.85,
    keywords: ["checkstyle"],
    patterns: [
      /You have \d+ Checkstyle violations?|There (?:is|are) \d+ errors? reported by Checkstyle|checkstyle.*violation/i,
    ],
    explanation: "Checkstyle found style violations.",
    remedy: "Fix the reported violations (or run the configured formatter).",
    examples: ["[ERROR] You have 3 Checkstyle violations."],
  },
  {
    id: "junit/failed-test",
    category: "test_failure",
    transient: false,
    confidence: 0.82,
    keywords: ["[error]  ", " failed"],
    patterns: [/\[ERROR\] {2,}[A-Za-z_$][\w$]*(?:[.>][\w$]+)+(?::\d+| »)/, /^\S+ > .+ FAILED$/],
    explanation: "JUnit tests failed.",
    remedy: "Reproduce the failing test locally; the line names the test and its assertion.",
    examples: [
      "[ERROR]   InvoiceTest.totalIncludesTax:42 expected: <110> but was: <100>",
      "[ERROR]   OrderServiceTest.create » IllegalState Failed to load ApplicationContext",
      "com.acme.ParserTest > parsesEmptyInput FAILED",
    ],
  },
  {
    id: "junit/failure-marker",
    category: "test_failure",
    transient: false,
    confidence: 0.72,
    keywords: ["<<< failure", "<<< error"],
    patterns: [/<<< (?:FAILURE|ERROR)!$/],
    explanation: "A JUnit test failed.",
    remedy: "Reproduce the failing test locally.",
    examples: ["testParse(com.acme.ParserTest)  Time elapsed: 0.012 sec  <<< FAILURE!"],
  },
  {
    id: "jvm/test-summary",
    category: "test_failure",
    transient: false,
    confidence: 0.5,
    keywords: [
      "failures: ",
      "test failures",
      "failing tests",
      " failed",
      "execution failed for task",
    ],
    patterns: [
      /Tests run: \d+, Failures: (?:[1-9]\d*, Errors: \d+|\d+, Errors: [1-9]\d*)/,
      /There are test failures|There were failing tests/,
      /\b\d+ tests? completed, \d+ failed/,
      /Execution failed for task '[\w:.-]*:\w*[tT]est\w*'/,
    ],
    symptom: true,
    explanation: "JUnit tests failed.",
    remedy: "Look for the first failing test above this summary.",
    examples: [
      "[ERROR] Tests run: 120, Failures: 2, Errors: 0, Skipped: 1",
      "42 tests completed, 1 failed",
      "Execution failed for task ':core:test'.",
    ],
  },
  {
    id: "maven/dependency-missing",
    category: "dependency_missing",
    transient: false,
    confidence: 0.85,
    keywords: [
      "could not find artifact",
      "was not found in",
      "could not find ",
      "was not found in any",
    ],
    patterns: [
      /Could not find artifact \S+/,
      / was not found in \S+ during a previous attempt/,
      /Could not find [\w.-]+:[\w.-]+(?::[\w.+-]+)?\.?$/,
      /Plugin \[id: '[^']+'.*\] was not found in any of the following sources/,
    ],
    explanation:
      "A Maven/Gradle dependency or plugin does not exist in the configured repositories.",
    remedy:
      "Check the coordinates and version, and that the repository hosting it is declared (with credentials if private).",
    examples: [
      "[ERROR] Failed to execute goal on project api: Could not resolve dependencies for project com.acme:api:jar:1.0: Could not find artifact com.acme:core:jar:9.9 in central (https://repo.maven.apache.org/maven2)",
      "   > Could not find com.acme:widgets:2.1.0.",
      "Plugin [id: 'org.acme.build', version: '1.0'] was not found in any of the following sources:",
    ],
  },
  {
    id: "jvm/dependency-conflict",
    category: "dependency_resolution",
    transient: false,
    confidence: 0.85,
    keywords: [
      "non-resolvable",
      "convergence error",
      "upper bound dependencies",
      "requireupperbounddeps",
      "conflict found",
      "conflicts found",
      "cannot choose between",
    ],
    patterns: [
      /Non-resolvable (?:parent|import) POM/,
      /Dependency convergence error|Require upper bound dependencies error|RequireUpperBoundDeps/,
      /Conflicts? found for the following modules?|Cannot choose between the following variants/,
    ],
    explanation:
      "Maven or Gradle found conflicting versions of a dependency, or could not resolve a parent POM.",
    remedy:
      "Align the conflicting versions (a BOM, dependency management, or a constraint) and rebuild.",
    examples: [
      "[ERROR] Non-resolvable parent POM for com.acme:app:1.0: Could not find artifact com.acme:parent:pom:2.0",
      "Dependency convergence error for org.slf4j:slf4j-api:1.7.36 paths to dependency are:",
    ],
  },
  {
    // These wrap the real cause, which Maven prints after a colon and Gradle on the nested
    // lines below: a missing artifact, an unreachable repository, a conflict.
    id: "jvm/dependencies-unresolved",
    category: "dependency_resolution",
    transient: false,
    confidence: 0.62,
    keywords: [
      "could not resolve dependencies",
      "failed to collect dependencies",
      "artifact descriptor",
      "could not resolve all",
    ],
    patterns: [
      /Could not resolve dependencies\b/,
      /Failed to collect dependencies at/,
      /Failed to read artifact descriptor for \S+/,
      /Could not resolve all (?:files|dependencies|artifacts|task dependencies) for configuration/,
    ],
    symptom: true,
    explanation: "Maven or Gradle could not resolve the dependency graph.",
    remedy:
      "Read the nested cause (missing artifact, version conflict, unreachable repository) and fix that.",
    examples: [
      "[ERROR] Failed to execute goal on project web: Could not resolve dependencies for project com.acme:web:war:1.0-SNAPSHOT: Failed to collect dependencies at com.acme:core:jar:1.0",
      "> Could not resolve all files for configuration ':app:compileClasspath'.",
    ],
  },
  {
    id: "java/class-not-found",
    category: "dependency_missing",
    transient: false,
    confidence: 0.62,
    keywords: ["noclassdeffounderror", "classnotfoundexception"],
    patterns: [/java\.lang\.(?:NoClassDefFoundError|ClassNotFoundException)/],
    explanation: "A class was missing at run time: a dependency is not on the classpath.",
    remedy:
      "Add the dependency with the right scope (not `provided`/`test`), or align versions that moved the class.",
    examples: ["java.lang.NoClassDefFoundError: org/slf4j/LoggerFactory"],
  },
  {
    id: "java/uncaught",
    category: "runtime_error",
    transient: false,
    confidence: 0.7,
    keywords: ["exception in thread"],
    patterns: [/Exception in thread "[^"]*" [\w.$]+/],
    explanation: "A Java program stopped on an uncaught exception.",
    remedy: "Read the stack trace for the failing call.",
    examples: [
      'Exception in thread "main" java.lang.NullPointerException: Cannot invoke "String.length()"',
    ],
  },
];
