import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import nock from "nock";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readClientPayload } from "../../src/dispatch/client-payload.ts";
import { fromAlertmanager } from "../../src/dispatch/from-alertmanager.ts";
import { fromSentry } from "../../src/dispatch/from-sentry.ts";
import {
  type DispatchBody,
  type RelayRequest,
  relay,
  startRelay,
} from "../../src/dispatch/relay.ts";
import { API, closeTheNetwork } from "../support/nock-github.ts";

/**
 * The relay between Sentry or Alertmanager and GitHub's dispatch API, over the payloads their
 * documentation gives (fixtures/dispatch, where each came from is noted).
 */

const text = (name: string) =>
  readFileSync(new URL(`../../fixtures/dispatch/${name}.json`, import.meta.url), "utf8");
const fixture = (name: string) => JSON.parse(text(name)) as Record<string, unknown>;

describe("the relay", () => {
  describe("from Sentry", () => {
    it("maps the documented issue alert, which has no frame of the application's own", () => {
      expect(fromSentry("event_alert", fixture("sentry.event_alert"))).toEqual({
        ok: true,
        payload: {
          source: "sentry",
          message: "ReferenceError: heck is not defined",
          trace_id: "e4874d664c3540c1a32eab185f12c5ab",
          stacktrace: [
            "ReferenceError: heck is not defined",
            "    at ? (<anonymous>:3:5)",
            "    at ? (/js/prod/runner-4.1.7.min.js:1:13924)",
            "    at ? (/js/prod/runner-4.1.7.min.js:1:10866)",
          ].join("\n"),
          url: "https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/",
        },
      });
    });

    it("maps the documented error webhook", () => {
      const mapped = fromSentry("error", fixture("sentry.error"));
      expect(mapped).toMatchObject({
        ok: true,
        payload: {
          message: "ReferenceError: blooopy is not defined",
          trace_id: "bb78c1407cea4519aa397afc059c793d",
        },
      });
    });

    it("takes the file and line of the innermost in-app frame, and the trace, release and environment", () => {
      expect(fromSentry("event_alert", fixture("sentry.event_alert.node"))).toEqual({
        ok: true,
        payload: fixture("client-payload.error-detected"),
      });
    });

    it("sends nothing for a resource that carries no error", () => {
      expect(fromSentry("issue", fixture("sentry.event_alert"))).toEqual({
        ok: false,
        reason: 'Sentry resource "issue" carries no error',
      });
      expect(fromSentry("event_alert", { action: "triggered", data: {} })).toEqual({
        ok: false,
        reason: "no event under data in this event_alert webhook",
      });
    });

    it("leaves out a field Sentry filled in a way the contract refuses", () => {
      const body = fixture("sentry.event_alert");
      const event = (body.data as { event: Record<string, unknown> }).event;
      event.web_url = "/organizations/test-org/issues/1117540176/";
      event.event_id = "not an id!";
      const mapped = fromSentry("event_alert", body);
      expect(mapped).toMatchObject({ ok: true, payload: { message: expect.any(String) } });
      expect(mapped).not.toHaveProperty("payload.url");
      expect(mapped).not.toHaveProperty("payload.trace_id");
    });
  });

  describe("from Alertmanager", () => {
    it("maps each firing alert of the documented v4 webhook, and skips the resolved", () => {
      expect(fromAlertmanager(fixture("alertmanager.v4"))).toEqual({
        payloads: [fixture("client-payload.anomaly-detected")],
        skipped: ["alert HighErrorRate: resolved, not firing"],
      });
    });

    it("takes the threshold and metric from annotations before the rule's expression", () => {
      const body = fixture("alertmanager.v4") as { alerts: { annotations: object }[] };
      const [alert] = body.alerts;
      alert!.annotations = {
        ...alert!.annotations,
        metric: "5xx ratio",
        threshold: "0.05",
        value: "+Inf",
      };
      expect(fromAlertmanager(body).payloads[0]).toMatchObject({
        metric: "5xx ratio",
        threshold: 0.05,
        value: "+Inf",
      });
    });

    it("skips an alert without a value, naming the annotation to add", () => {
      const body = fixture("alertmanager.v4") as { alerts: { annotations: object }[] };
      body.alerts[0]!.annotations = { summary: "High request error rate" };
      expect(fromAlertmanager(body)).toEqual({
        payloads: [],
        skipped: [
          'alert HighErrorRate: no value; add the annotation value: "{{ $value }}" to its rule',
          "alert HighErrorRate: resolved, not firing",
        ],
      });
    });

    it("says so when the body is not Alertmanager's", () => {
      expect(fromAlertmanager({ version: "3", alerts: [] }).skipped).toEqual([
        'not an Alertmanager v4 webhook: version: Invalid input: expected "4"',
      ]);
    });
  });

  it("makes client_payloads CodeHealer accepts", () => {
    for (const [kind, name] of [
      ["error-detected", "client-payload.error-detected"],
      ["anomaly-detected", "client-payload.anomaly-detected"],
    ] as const)
      expect(readClientPayload(kind, fixture(name))).toMatchObject({ ok: true });
  });

  describe("as a server", () => {
    const SECRET = "sentry-client-secret";
    const TOKEN = "alertmanager-bearer-token-0123456789";
    const sent: { repository: string; body: DispatchBody }[] = [];
    const deps = {
      sentrySecret: SECRET,
      alertmanagerToken: TOKEN,
      dispatch: async (repository: string, body: DispatchBody) =>
        void sent.push({ repository, body }),
      log: pino({ level: "silent" }),
    };
    afterEach(() => {
      sent.length = 0;
    });
    const sign = (body: string) => createHmac("sha256", SECRET).update(body).digest("hex");
    const sentry = (body: string, signature = sign(body)): RelayRequest => ({
      method: "POST",
      path: "/sentry/acme/api",
      headers: { "sentry-hook-resource": "event_alert", "sentry-hook-signature": signature },
      body,
    });
    const alertmanager = (authorization: string): RelayRequest => ({
      method: "POST",
      path: "/alertmanager/acme/api",
      headers: { authorization },
      body: text("alertmanager.v4"),
    });

    it("dispatches a signed Sentry alert to the repository in its path", async () => {
      const answer = await relay(deps, sentry(text("sentry.event_alert.node")));
      expect(answer).toEqual({ status: 200, body: { dispatched: 1, skipped: [] } });
      expect(sent).toEqual([
        {
          repository: "acme/api",
          body: {
            event_type: "error-detected",
            client_payload: fixture("client-payload.error-detected"),
          },
        },
      ]);
    });

    it("refuses a body Sentry did not sign", async () => {
      const body = text("sentry.event_alert.node");
      const answer = await relay(deps, sentry(body, sign(`${body} `)));
      expect(answer).toEqual({
        status: 401,
        body: { error: "not signed by the configured sentry secret" },
      });
      expect(sent).toEqual([]);
    });

    it("dispatches Alertmanager's firing alerts with its bearer token, and refuses without", async () => {
      expect(await relay(deps, alertmanager(`Bearer ${TOKEN}`))).toEqual({
        status: 200,
        body: { dispatched: 1, skipped: ["alert HighErrorRate: resolved, not firing"] },
      });
      expect(sent.map((s) => s.body.event_type)).toEqual(["anomaly-detected"]);
      expect((await relay(deps, alertmanager("Bearer wrong"))).status).toBe(401);
      expect(sent).toHaveLength(1);
    });

    it("answers 404 for a source it has no secret for, or a path it does not serve", async () => {
      const noSentry = { ...deps, sentrySecret: undefined };
      expect(await relay(noSentry, sentry(text("sentry.event_alert")))).toEqual({
        status: 404,
        body: { error: "the relay has no sentry secret configured" },
      });
      expect((await relay(deps, { ...sentry("{}"), path: "/github/acme/api" })).status).toBe(404);
    });

    it("answers 502 with GitHub's reason when a dispatch is refused, so Alertmanager retries", async () => {
      const refusing = {
        ...deps,
        dispatch: async () => {
          throw new Error("GitHub answered 404 to the anomaly-detected dispatch for acme/api");
        },
      };
      expect(await relay(refusing, alertmanager(`Bearer ${TOKEN}`))).toEqual({
        status: 502,
        body: {
          error: "GitHub answered 404 to the anomaly-detected dispatch for acme/api",
          skipped: ["alert HighErrorRate: resolved, not firing"],
        },
      });
    });

    describe("started from its environment", () => {
      let base: string;
      let stop: () => void;
      beforeAll(async () => {
        closeTheNetwork();
        const { server, port } = await startRelay(
          {
            GITHUB_TOKEN: "ghp_relay_test_token",
            SENTRY_CLIENT_SECRET: SECRET,
            PORT: "0",
          },
          pino({ level: "silent" }),
        );
        base = `http://127.0.0.1:${port}`;
        stop = () => server.close();
      });
      afterAll(() => {
        stop?.();
        nock.cleanAll();
        nock.enableNetConnect();
      });

      it("posts to GitHub's dispatch API what CodeHealer's contract takes", async () => {
        let received: unknown;
        const github = nock(API, {
          reqheaders: { authorization: "Bearer ghp_relay_test_token" },
        })
          .post("/repos/acme/api/dispatches", (body) => {
            received = body;
            return true;
          })
          .reply(204);
        const body = text("sentry.event_alert.node");
        const response = await fetch(`${base}/sentry/acme/api`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "sentry-hook-resource": "event_alert",
            "sentry-hook-signature": sign(body),
          },
          body,
        });
        expect(response.status).toBe(200);
        expect(github.isDone()).toBe(true);
        expect(received).toEqual({
          event_type: "error-detected",
          client_payload: fixture("client-payload.error-detected"),
        });
        expect(nock.pendingMocks()).toEqual([]);
      });

      it("refuses to start without a token, naming the variable", async () => {
        await expect(startRelay({ SENTRY_CLIENT_SECRET: SECRET })).rejects.toThrow(
          "relay settings: GITHUB_TOKEN:",
        );
        await expect(startRelay({ GITHUB_TOKEN: "t" })).rejects.toThrow(
          "set SENTRY_CLIENT_SECRET, ALERTMANAGER_TOKEN or both",
        );
      });
    });
  });
});
