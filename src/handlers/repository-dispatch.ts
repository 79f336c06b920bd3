import { type Handler, ignored } from "./types.ts";

/** error-detected (Sentry, Logfire) and anomaly-detected (Prometheus) from the dispatch API. */
export const onRepositoryDispatch: Handler<"repository_dispatch"> = async () =>
  ignored("not yet handled");
