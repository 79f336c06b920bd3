// One server under test for bench/intake.ts, in a process of its own so the load generator
// does not share its event loop. argv[2]: "codehealer" (the real app, on the store in the
// environment) or "bare" (a Probot app that does nothing). Prints "READY <port>" when listening.
import { createServer } from "node:http";
import { pino } from "pino";
import { createNodeMiddleware, Probot } from "probot";
import { readEnv } from "../src/env.ts";
import { start } from "../src/start.ts";

const variant = process.argv[2];
if (variant === "codehealer") {
  const running = await start(
    readEnv({ ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "error" }),
  );
  process.stdout.write(`READY ${running.port}\n`);
  process.once("SIGTERM", () => running.stop().then(() => process.exit(0)));
} else {
  const probot = new Probot({
    appId: process.env.APP_ID,
    privateKey: process.env.PRIVATE_KEY,
    secret: process.env.WEBHOOK_SECRET,
    log: pino({ level: "error" }),
  });
  const middleware = await createNodeMiddleware((app) => app.onAny(async () => {}), { probot });
  const server = createServer((req, res) => void middleware(req, res));
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.stdout.write(`READY ${typeof address === "object" && address ? address.port : 0}\n`);
  });
  process.once("SIGTERM", () => process.exit(0));
}
