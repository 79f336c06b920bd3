import type { Rule } from "../rule.ts";

// Source file extensions of C, C++, Objective-C, CUDA, Swift and Fortran.
const SOURCE =
  "(?:c|cc|cpp|cxx|c\\+\\+|h|hh|hpp|hxx|ipp|tpp|inl|m|mm|cu|cuh|swift|f90|f|hs|zig|nim|dart|ml)";

/** C and C++ (gcc, clang, MSVC), linkers, CMake and pkg-config. */
export const NATIVE_RULES: readonly Rule[] = [
  {
    id: "c/header-missing",
    category: "dependency_missing",
    transient: false,
    confidence: 0.9,
    keywords: ["no such file or directory", "file not found", "cannot open include file"],
    patterns: [
      new RegExp(`\\.${SOURCE}(?::\\d+){1,2}: fatal error: [^:]+: No such file or directory`),
      /fatal error: '[^']+' file not found/,
      /fatal error C1083: Cannot open include file: '[^']+'/,
    ],
    explanation:
      "A header the code includes is not installed (usually a missing -dev package or submodule).",
    remedy:
      "Install the development package that provides the header, or check out the submodule that contains it.",
    examples: [
      "src/net.c:3:10: fatal error: openssl/ssl.h: No such file or directory",
      "main.cpp:1:10: fatal error: 'boost/asio.hpp' file not found",
    ],
  },
  {
    id: "link/library-missing",
    category: "dependency_missing",
    transient: false,
    confidence: 0.85,
    keywords: ["cannot find -l", "library not found for", "lnk1181"],
    patterns: [
      /\bld(?:\.\w+)?: cannot find -l\S+/,
      /ld: library not found for -l\S+/,
      /LNK1181: cannot open input file/,
    ],
    explanation: "The linker cannot find a library the build links against.",
    remedy: "Install the library's development package or fix the library search path.",
    examples: [
      "/usr/bin/ld: cannot find -lz: No such file or directory",
      "ld: library not found for -lssl",
    ],
  },
  {
    id: "cmake/package-missing",
    category: "dependency_missing",
    transient: false,
    confidence: 0.85,
    keywords: [
      "could not find",
      "not providing",
      "compiler could be found",
      "not found in the pkg-config",
      "not found",
      "required package was not found",
    ],
    patterns: [
      /Could NOT find \w+/,
      /Could not find a package configuration file provided by "[^"]+"/,
      /By not providing "Find\w+\.cmake" in CMAKE_MODULE_PATH/,
      /No CMAKE_(?:C|CXX|CUDA|Fortran)_COMPILER could be found/,
      /Package '[^']+',? required by '[^']+', not found|Package \S+ was not found in the pkg-config search path/,
      /A required package was not found/,
    ],
    unless: [/^-- /],
    explanation: "CMake or pkg-config could not find a required package or compiler.",
    remedy:
      "Install the package (and its -dev files) or point CMake at it (`CMAKE_PREFIX_PATH`, `<Pkg>_DIR`).",
    examples: [
      "  Could NOT find ZLIB (missing: ZLIB_LIBRARY ZLIB_INCLUDE_DIR)",
      '  Could not find a package configuration file provided by "Qt6" with any of',
      "Package 'libffi', required by 'gobject-2.0', not found",
    ],
  },
  {
    id: "c/compile-error",
    category: "compile_error",
    transient: false,
    confidence: 0.9,
    keywords: ["error", "build stopped"],
    patterns: [
      new RegExp(`\\.${SOURCE}(?::\\d+){1,2}: (?:fatal )?error: `),
      new RegExp(`\\.${SOURCE}\\(\\d+(?:,\\d+)?\\): (?:fatal )?error [A-Z]+\\d{4}:`),
      /\berror C\d{4}: /,
      /^ninja: build stopped: subcommand failed/,
    ],
    explanation: "The C/C++ compiler rejected the code.",
    remedy:
      "Fix the first compile error at the reported file and line (later errors often follow from it).",
    examples: [
      "src/parser.cpp:120:15: error: 'foo' was not declared in this scope",
      "C:\\src\\lib\\Api.cpp(253): error C2065: 'VIEW_KIND': undeclared identifier",
      "Sources/App/main.swift:4:9: error: cannot find 'x' in scope",
    ],
  },
  {
    id: "link/undefined-symbol",
    category: "compile_error",
    transient: false,
    confidence: 0.85,
    keywords: ["undefined reference", "undefined symbols", "unresolved external", "error lnk"],
    patterns: [
      /undefined reference to `[^']+'/,
      /Undefined symbols for architecture \S+:/,
      /unresolved external symbol/,
      /fatal error LNK\d{4}:/,
    ],
    explanation:
      "The link step failed: a symbol is missing (a library not linked, or a declaration without definition).",
    remedy: "Link the library that defines the symbol, or add the missing definition.",
    examples: [
      "/usr/bin/ld: main.o: in function `main': undefined reference to `curl_easy_init'",
      "Undefined symbols for architecture arm64:",
    ],
  },
  {
    id: "link/failed",
    category: "compile_error",
    transient: false,
    confidence: 0.55,
    keywords: ["ld returned", "linker command failed"],
    patterns: [
      /collect2: error: ld returned \d+ exit status/,
      /clang(?:\+\+)?: error: linker command failed/,
    ],
    symptom: true,
    explanation: "The link step failed.",
    remedy: "Read the linker errors just above this line.",
    examples: ["collect2: error: ld returned 1 exit status"],
  },
  {
    id: "make/recipe-failed",
    category: "unknown",
    transient: false,
    confidence: 0.15,
    keywords: ["] error ", "failed: "],
    patterns: [/make(?:\[\d+\])?: \*\*\* \[[^\]]+\] Error \d+/, /^FAILED: \S/],
    symptom: true,
    explanation: "A build command run by make or ninja failed.",
    remedy: "Read the error printed by the command above this line.",
    examples: [
      "make: *** [Makefile:84: test] Error 1",
      "FAILED: src/CMakeFiles/app.dir/main.cpp.o",
    ],
  },
];
