import nock from "nock";

export const API = "https://api.github.com";
/** Where GitHub redirects log downloads: a short-lived blob URL on another host. */
export const BLOBS = "https://results-receiver.actions.githubusercontent.com";

/** Intercepts the installation token exchange Probot makes before its first API call. */
export function installationToken(installationId: number): nock.Scope {
  return nock(API).post(`/app/installations/${installationId}/access_tokens`).reply(201, {
    token: "ghs_test_installation_token",
    expires_at: "2099-01-01T00:00:00Z",
    permissions: {},
  });
}

/** Only loopback (our server, our databases) may be reached; GitHub itself is nock. */
export function closeTheNetwork(): void {
  nock.disableNetConnect();
  nock.enableNetConnect((host) => host.startsWith("127.0.0.1") || host.startsWith("localhost"));
}
