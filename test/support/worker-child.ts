// A real worker process for the durability test. In "hang" mode every job stops mid-way
// (after it was claimed, before its handler ran) and waits to be killed; in "normal" mode it
// runs the real pipeline. Each step is appended to MARKER so the test can see what happened.
import { appendFileSync } from "node:fs";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { migrate, openDatabase } from "../../src/store/database.ts";
import { startQueue } from "../../src/store/queue.ts";
import { startWorker } from "../../src/worker.ts";

const { MODE, MARKER, DATABASE_URL, CODEHEALER_DATA_DIR } = process.env;
if (!MARKER || !CODEHEALER_DATA_DIR) throw new Error("MARKER and CODEHEALER_DATA_DIR are required");
const mark = (line: string) => appendFileSync(MARKER, `${line}\n`);

const log = pino({ level: "warn" });
const database = await openDatabase({ url: DATABASE_URL, dataDir: CODEHEALER_DATA_DIR });
await migrate(database);
const queue = await startQueue(database, {
  log,
  heartbeatSeconds: 10,
  superviseIntervalSeconds: 1,
});
await startWorker(
  {
    db: database.db,
    queue,
    log,
    appId: null,
    octokitFor: async () => {
      mark(`started ${process.pid}`);
      if (MODE === "hang") await new Promise(() => {});
      // This process must not reach GitHub: the incident stage after intake fails fast instead.
      return new ProbotOctokit({
        request: { fetch: async () => Promise.reject(new Error("offline")) },
        retry: { enabled: false },
      });
    },
    metrics: { deliverySettled: (event, status) => mark(`settled ${event} ${status}`) },
  },
  queue,
  1,
);
mark(`ready ${process.pid}`);
process.once("SIGTERM", () => {
  queue
    .stop()
    .then(() => database.close())
    .then(() => process.exit(0));
});
