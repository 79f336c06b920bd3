import { getTransformStream } from "@probot/pino";
import pino, { type Logger } from "pino";
import type { Env } from "./env.ts";

/**
 * The app's logger, made the way Probot makes its own (pino through @probot/pino: pretty in a
 * terminal, JSON with LOG_FORMAT=json), so that Probot and CodeHealer write one stream.
 */
export async function createLogger(env: Pick<Env, "LOG_LEVEL" | "LOG_FORMAT">): Promise<Logger> {
  const transform = await getTransformStream({ logFormat: env.LOG_FORMAT });
  transform.pipe(process.stdout);
  return pino({ level: env.LOG_LEVEL, name: "codehealer" }, transform);
}
