/**
 * Why `path` is not a plain file path inside the repository, or null when it is one. Paths in
 * a fix come from a stored patch or from log text, both untrusted: an absolute path, a `..` or
 * `.` segment, a backslash, a control character or the `.git` folder is refused, never tidied.
 */
export function unsafePath(path: string): string | null {
  if (path === "") return "an empty path";
  if (path.length > 1024) return "a path longer than 1024 characters";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return `an absolute path (${path})`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(path)) return "a path with a control character";
  if (path.includes("\\")) return `a path with a backslash (${path})`;
  const segments = path.split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".."))
    return `a path that is not a plain repository path (${path})`;
  if (segments.some((s) => s.toLowerCase() === ".git")) return `a path inside .git (${path})`;
  return null;
}
