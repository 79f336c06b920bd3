import type { ChatPostMessageArguments } from "@slack/web-api";
import { type IncidentView, whereItFailed } from "../actions/incident-view.ts";
import { percent, shortSha } from "../actions/markdown.ts";
import type { Notification } from "../actions/notify.ts";
import type { Action, SlackMessage } from "../store/schema.ts";
import type { MessageUpdate } from "../store/slack-messages.ts";
import {
  APPROVE_ACTION,
  type Approvable,
  DECISION_BLOCK,
  encodeButtonValue,
  REJECT_ACTION,
} from "./buttons.ts";
import { clip, code, escapeMrkdwn, slackLink, who } from "./mrkdwn-out.ts";

export type SlackBlock = Extract<ChatPostMessageArguments, { blocks: unknown }>["blocks"][number];

/** Everything an incident's message shows; the message is rebuilt from it on every update. */
export type MessageFacts = {
  view: IncidentView;
  notification: Notification;
  /** The incident's audit trail, oldest first: what CodeHealer did. */
  actions: readonly Action[];
  /** What happened since the message was posted, oldest first. */
  updates: readonly MessageUpdate[];
  /** A person's answer to the approval; the buttons show only while there is none. */
  decision: SlackMessage["decision"];
};

/** A message as `chat.postMessage` and `chat.update` take it. */
export type MessageBody = { text: string; blocks: SlackBlock[] };

// Slack's limits: a header's text 150 characters, a section's 3 000, a message's `text` 4 000
// before Slack truncates it. The updates shown are the latest few: the audit trail has them all.
const HEADER_LIMIT = 150;
const SUMMARY_LIMIT = 1_500;
const LINE_LIMIT = 300;
const JOBS_SHOWN = 5;
const UPDATES_SHOWN = 10;

const SECTION_LIMIT = 3_000;
const DID_SHOWN = 15;

// Slack refuses a section over its limit: the lines are bounded, and the whole as a backstop.
const section = (text: string): SlackBlock => ({
  type: "section",
  text: { type: "mrkdwn", text: clip(text, SECTION_LIMIT) },
});
const detailOf = (action: Action): Record<string, unknown> =>
  typeof action.detail === "object" && action.detail !== null && !Array.isArray(action.detail)
    ? (action.detail as Record<string, unknown>)
    : {};
const numberIn = (detail: Record<string, unknown>, key: string): number | null =>
  typeof detail[key] === "number" ? detail[key] : null;

/** The pull request the failing run belongs to, from the sticky comment CodeHealer left on it. */
function pullRequestOf(actions: readonly Action[]): { number: number; url: string | null } | null {
  for (const action of actions) {
    const number = numberIn(detailOf(action), "pullRequest");
    if (action.kind !== "comment" || action.status !== "done" || number === null) continue;
    return { number, url: action.targetUrl?.replace(/#.*$/, "") ?? null };
  }
  return null;
}

/** The fix pull request CodeHealer opened for the incident, and whether it is still a draft. */
export function fixPullRequestOf(
  actions: readonly Action[],
): { number: number; url: string | null; draft: boolean } | null {
  let found: { number: number; url: string | null; draft: boolean } | null = null;
  for (const action of actions) {
    const detail = detailOf(action);
    if (action.status !== "done") continue;
    const number = numberIn(detail, "pullRequest");
    if (action.kind === "fix_pr" && number !== null)
      found = { number, url: action.targetUrl, draft: detail.draft === true };
    const changed = numberIn(detail, "fixPullRequest");
    if (action.kind === "fix_review_state" && found && changed === found.number)
      found = { ...found, draft: detail.to === "draft" };
  }
  return found;
}

const KIND_WORDS: Record<string, string> = {
  rerun: "rerun the failed jobs",
  fix_pr: "open the fix pull request",
  fix_review_state: "change the fix pull request's review state",
  issue: "open or update the issue",
  check_run: "add the check run",
  comment: "comment on the pull request",
  fix_validation: "record the fix's CI result",
};

/** One line of what CodeHealer did, from one audit row; null for rows not worth a line. */
function didLine(action: Action, view: IncidentView): string | null {
  const detail = detailOf(action);
  const url = action.targetUrl;
  // Only the steps' own rows: a person's answer in Slack is among the message's updates.
  if (!Object.hasOwn(KIND_WORDS, action.kind) || action.idempotencyKey?.startsWith("slack:"))
    return null;
  if (action.status === "dry-run")
    return typeof detail.message === "string"
      ? escapeMrkdwn(clip(detail.message, LINE_LIMIT))
      : null;
  if (action.status === "failed")
    return `Could not ${KIND_WORDS[action.kind] ?? action.kind}: ${escapeMrkdwn(clip(action.error ?? "unknown error", LINE_LIMIT))}`;
  if (action.status !== "done") return null;
  const number = numberIn(detail, "pullRequest") ?? numberIn(detail, "fixPullRequest");
  switch (action.kind) {
    case "rerun": {
      const asked =
        typeof detail.requestedBy === "string" ? ` at ${who(detail.requestedBy)}'s request` : "";
      return `Reran the ${slackLink("failed jobs", url)} of attempt ${numberIn(detail, "attempt") ?? view.runAttempt}${asked}`;
    }
    case "fix_pr":
      return `Opened the ${detail.draft === true ? "draft " : ""}fix pull request ${slackLink(`#${number}`, url)}`;
    case "fix_review_state":
      return detail.to === "ready"
        ? `Marked the fix pull request ${slackLink(`#${number}`, url)} ready for review`
        : `Turned the fix pull request ${slackLink(`#${number}`, url)} back into a draft`;
    case "fix_validation":
      return detail.outcome === "fix_validated"
        ? `The fix's ${slackLink("CI passed", url)}`
        : detail.outcome === "fix_failed"
          ? `The fix's ${slackLink("CI failed", url)}`
          : null;
    case "issue": {
      const issue = slackLink(`#${numberIn(detail, "issueNumber") ?? "?"}`, url);
      if (detail.change === "created") return `Opened issue ${issue}`;
      if (detail.change === "reopened") return `Reopened issue ${issue} with this occurrence`;
      return `Added this occurrence to issue ${issue}`;
    }
    case "check_run":
      // Only the check run itself: the notes a button press adds are check_run rows too.
      return action.idempotencyKey === `check_run:${view.repository}:${view.id}`
        ? `Added the ${slackLink("CodeHealer check run", url)} to the commit`
        : null;
    case "comment":
      return numberIn(detail, "pullRequest") === null
        ? null
        : `Commented on pull request ${slackLink(`#${number}`, url)}`;
    default:
      return null;
  }
}

/** What a person is asked to approve, in words, with what is already there linked. */
export function proposal(approve: readonly Approvable[], actions: readonly Action[]): string {
  const fix = fixPullRequestOf(actions);
  const words = approve.map((what) => {
    if (what === "rerun") return "rerun the failed jobs";
    if (fix?.draft)
      return `mark the draft fix pull request ${slackLink(`#${fix.number}`, fix.url)} ready for review`;
    if (fix)
      return `approve the fix pull request ${slackLink(`#${fix.number}`, fix.url)}, ready for review already`;
    return "open the fix pull request";
  });
  return words.join(", and ");
}

function whatFailed(view: IncidentView, actions: readonly Action[]): string {
  const where = slackLink(whereItFailed(view), view.htmlUrl);
  const branch = view.branch ? ` on ${code(view.branch)}` : "";
  const pull = pullRequestOf(actions);
  const pr = pull ? ` · pull request ${slackLink(`#${pull.number}`, pull.url)}` : "";
  const lines = [`*Failed:* ${where}${branch} at ${code(shortSha(view.headSha))}${pr}`];
  const jobs = view.jobs.slice(0, JOBS_SHOWN).map((job) => {
    const step = job.failedSteps[0] ? `, step ${code(job.failedSteps[0])}` : "";
    return `• ${slackLink(clip(job.name, 100), job.htmlUrl)}${step}`;
  });
  if (view.jobs.length > JOBS_SHOWN) jobs.push(`• …and ${view.jobs.length - JOBS_SHOWN} more`);
  return [...lines, ...jobs].join("\n");
}

function decisionBlock(facts: MessageFacts): SlackBlock | null {
  const { notification, decision } = facts;
  if (notification.approve.length === 0 || decision !== null) return null;
  const value = encodeButtonValue({
    incident: notification.incidentId,
    approve: [...notification.approve],
  });
  return {
    type: "actions",
    block_id: DECISION_BLOCK,
    elements: [
      {
        type: "button",
        action_id: APPROVE_ACTION,
        text: { type: "plain_text", text: "Approve" },
        style: "primary",
        value,
      },
      {
        type: "button",
        action_id: REJECT_ACTION,
        text: { type: "plain_text", text: "Reject" },
        style: "danger",
        value,
      },
    ],
  };
}

/**
 * The message about an incident, in Block Kit: what failed (linked), the diagnosis, how sure
 * CodeHealer is, what it did, what it proposes, Approve / Reject while an approval waits, and
 * what happened since. Every untrusted word is escaped. Pure.
 */
export function buildIncidentMessage(facts: MessageFacts): MessageBody {
  const { view, notification, actions, updates, decision } = facts;
  const blocks: SlackBlock[] = [
    {
      type: "header",
      text: { type: "plain_text", text: clip(`${view.label} in ${view.repository}`, HEADER_LIMIT) },
    },
    section(whatFailed(view, actions)),
    section(
      `*Diagnosis:* ${escapeMrkdwn(clip(view.summary || view.errorLine || "unknown", SUMMARY_LIMIT))}`,
    ),
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `Confidence *${percent(view.confidence)}* · ${view.tier ?? "untiered"} tier${view.fingerprint ? ` · fingerprint ${code(view.fingerprint.slice(0, 12))}` : ""}`,
        },
      ],
    },
  ];
  const did = actions
    .map((action) => didLine(action, view))
    .filter((line) => line !== null)
    .slice(-DID_SHOWN);
  if (did.length > 0)
    blocks.push(section(`*What CodeHealer did*\n${did.map((l) => `• ${l}`).join("\n")}`));
  const buttons = decisionBlock(facts);
  if (notification.approve.length > 0 && (decision === null || decision === "approving"))
    blocks.push(section(`*Waiting for approval:* ${proposal(notification.approve, actions)}.`));
  if (buttons) blocks.push(buttons);
  const recent = updates.slice(-UPDATES_SHOWN);
  if (recent.length > 0)
    blocks.push({ type: "divider" }, section(recent.map((update) => update.text).join("\n")));
  return { text: escapeMrkdwn(clip(notification.text, 3_000)), blocks };
}
