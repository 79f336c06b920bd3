import type { Rule } from "../rule.ts";

/** .NET: NuGet restore, MSBuild and the C#/VB/F# compilers, dotnet test. */
export const DOTNET_RULES: readonly Rule[] = [
  {
    id: "nuget/resolution",
    category: "dependency_resolution",
    transient: false,
    confidence: 0.9,
    keywords: ["error nu1"],
    patterns: [/error NU1(?:605|107|202|102|103|109|608|010|004|403|008):/],
    explanation:
      "NuGet could not restore a consistent set of package versions (downgrade, conflict, incompatible framework).",
    remedy:
      "Reference the package version the error asks for directly, or align the conflicting references.",
    examples: [
      "/src/App/App.csproj : error NU1605: Detected package downgrade: Newtonsoft.Json from 13.0.3 to 12.0.1. Reference the package directly from the project to select a different version.",
      "error NU1202: Package Foo 2.0.0 is not compatible with net6.0 (.NETCoreApp,Version=v6.0).",
    ],
  },
  {
    id: "nuget/package-missing",
    category: "dependency_missing",
    transient: false,
    confidence: 0.88,
    keywords: ["error nu1101", "error msb4236", "error msb4019"],
    patterns: [
      /error NU1101:/,
      /error MSB4236: The SDK '[^']+' specified could not be found/,
      /error MSB4019: The imported project "[^"]+" was not found/,
    ],
    explanation: "A NuGet package or MSBuild SDK could not be found.",
    remedy:
      "Check the package id and the configured NuGet sources, or install the SDK/workload it needs.",
    examples: [
      "/src/App/App.csproj : error NU1101: Unable to find package Acme.Widgets. No packages exist with this id in source(s): nuget.org",
    ],
  },
  {
    id: "dotnet/compile-error",
    category: "compile_error",
    transient: false,
    confidence: 0.9,
    keywords: ["error cs", "error bc", "error fs", "error msb"],
    patterns: [/\berror (?:CS|BC|FS)\d{4}:/, /\berror MSB(?!3073|4181)\d{4}:/],
    explanation: "The .NET compiler rejected the code.",
    remedy:
      "Fix the compile error at the reported file and line; a changed package API is a common cause.",
    examples: [
      "/src/App/Program.cs(39,17): error CS0246: The type or namespace name 'JsonSchema' could not be found (are you missing a using directive or an assembly reference?) [/src/App/App.csproj]",
      "Program.cs(12,5): error CS1002: ; expected",
    ],
  },
  {
    id: "dotnet/failed-test",
    category: "test_failure",
    transient: false,
    confidence: 0.8,
    keywords: ["failed ", "assert."],
    patterns: [/^\s*Failed [\w.`+]+(?:\(.*\))? \[\d+(?:\.\d+)? ?m?s\]/, /Assert\.\w+\(\) Failure/],
    explanation: ".NET tests failed.",
    remedy: "Reproduce the failing test locally.",
    examples: [
      "  Failed Acme.Tests.OrderTests.TotalIncludesTax [23 ms]",
      "Assert.Equal() Failure: Values differ",
    ],
  },
  {
    id: "dotnet/test-summary",
    category: "test_failure",
    transient: false,
    confidence: 0.5,
    keywords: ["failed!", "failed: "],
    patterns: [
      /Failed!\s+-\s+Failed:\s+[1-9]\d*/,
      /Total tests: \d+\. Passed: \d+\. Failed: [1-9]/,
    ],
    symptom: true,
    explanation: ".NET tests failed.",
    remedy: "Look for the first failing test above.",
    examples: [
      "Failed!  - Failed:     2, Passed:   120, Skipped:     0, Total:   122, Duration: 3 s - Acme.Tests.dll (net8.0)",
    ],
  },
];
