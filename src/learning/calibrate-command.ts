import { readConfigFile } from "../cli/replay-sources.ts";
import { DEFAULT_CONFIG } from "../policy/config.ts";
import { migrate, openDatabase } from "../store/database.ts";
import { calibrate } from "./calibration.ts";
import { calibrationJson, calibrationText } from "./calibration-format.ts";
import { chooseCalibration, inScope, outcomeTallies, scopesOf } from "./calibration-history.ts";

export type CalibrateArgs = {
  json: boolean;
  /** `owner/name`: the calibration that repository's plan would use. */
  repository?: string | undefined;
  /** A `.github/codehealer.yml` to judge by (`calibration.enabled`, `min_samples`). */
  config?: string | undefined;
};

/**
 * `codehealer calibrate`: reads the outcome history, prints the success rate per confidence
 * bucket, the expected calibration error, the recommended thresholds, and whether the plan would
 * use them. With `--repo`, the scope that repository's plan would draw from (the repository,
 * else its organisation, else every repository); without, every repository. The configuration
 * is the defaults unless `--config` names a file. Returns the exit code.
 */
export async function calibrateCommand(
  args: CalibrateArgs,
  env: { DATABASE_URL?: string | undefined; CODEHEALER_DATA_DIR: string },
): Promise<number> {
  const parsed = args.config ? await readConfigFile(args.config) : null;
  const config = parsed?.config ?? DEFAULT_CONFIG;
  for (const problem of parsed?.problems ?? [])
    process.stderr.write(
      `codehealer: ${args.config}: ${problem.path}: ${problem.message} (the safe fallback applies)\n`,
    );
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.CODEHEALER_DATA_DIR });
  try {
    await migrate(database);
    const tallies = await outcomeTallies(database.db);
    const chosen = args.repository
      ? chooseCalibration(tallies, args.repository, config.calibration.min_samples)
      : { scope: { kind: "everywhere" } as const, report: calibrate(tallies) };
    const scopes = scopesOf(args.repository).map((scope) => ({
      scope,
      samples: calibrate(inScope(tallies, scope)).samples,
    }));
    const view = { ...chosen, scopes, config };
    process.stdout.write(args.json ? `${calibrationJson(view)}\n` : calibrationText(view));
  } finally {
    await database.close();
  }
  return 0;
}
