/**
 * A thread's permalink, as Slack writes it: the workspace address (`auth.test`'s `url`),
 * then `archives/<channel>/p<ts without its dot>`. Built rather than asked for with
 * `chat.getPermalink`: one call per ingest instead of one per thread, and the same thread
 * always yields the same string, which is what keeps re-ingesting from duplicating it.
 */
export function threadPermalink(workspaceUrl: string, channel: string, ts: string): string {
  const base = workspaceUrl.endsWith("/") ? workspaceUrl : `${workspaceUrl}/`;
  return new URL(`archives/${channel}/p${ts.replace(".", "")}`, base).toString();
}

/**
 * The permalink of the thread a message permalink belongs to. Search results link to the
 * message itself; a reply's link names its thread in `?thread_ts=`. Null when the address is
 * not a Slack message permalink.
 */
export function threadOfPermalink(permalink: string): string | null {
  let url: URL;
  try {
    url = new URL(permalink);
  } catch {
    return null;
  }
  const [, channel, p] = url.pathname.match(/^\/archives\/([A-Z0-9]+)\/p(\d+)$/) ?? [];
  if (!channel || !p || url.protocol !== "https:") return null;
  const parent = url.searchParams.get("thread_ts");
  const ts = parent && /^\d+\.\d+$/.test(parent) ? parent : `${p.slice(0, -6)}.${p.slice(-6)}`;
  return threadPermalink(url.origin, channel, ts);
}
