import type { Rule } from "../rule.ts";

// Loopback and private addresses: a refused connection there is a service the job should
// have started (a database, a service container), not the internet misbehaving.
const LOCAL_ADDRESS =
  /localhost|127\.0\.0\.1|\[::1\]|::1:|0\.0\.0\.0|\b10\.\d+\.\d+\.\d+|\b172\.(?:1[6-9]|2\d|3[01])\.\d+\.\d+|\b192\.168\.\d+\.\d+/;

// A message that says the tool will try again is not the failure itself.
const RETRYING =
  /\b(?:retrying|will retry|retry(?:ing)? in \d|attempt \d+ (?:of|\/) \d+|trying again)\b/i;

/**
 * Network trouble between the runner and the outside world: name resolution, dropped or
 * timed-out connections, registries answering 5xx, a browser farm dropping out. These
 * usually pass on a rerun.
 */
export const NETWORK_RULES: readonly Rule[] = [
  {
    id: "network/package-fetch",
    category: "network_transient",
    transient: true,
    // A registry that did not answer, named with the reason: the rerun this calls for is the
    // cheapest action there is, and the budget caps it at two per run.
    confidence: 0.88,
    keywords: ["request to", "fetcherror"],
    unless: [/certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY/i],
    patterns: [
      /\brequest to \S+ failed, reason: /,
      /\bFetchError: .*(?:ECONN|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|socket hang up|network)/,
    ],
    explanation: "The package manager could not download a package from its registry.",
    remedy:
      "Rerun the job; if it persists, check the registry URL and whether it is reachable from the runner.",
    examples: [
      "npm error FetchError: request to https://registry.npmjs.org/pino failed, reason: connect ETIMEDOUT 104.16.1.35:443",
      "npm ERR! network request to https://registry.npmjs.org/react failed, reason: socket hang up",
    ],
  },
  {
    id: "tls/certificate",
    category: "config_invalid",
    transient: false,
    confidence: 0.82,
    keywords: ["certificate", "cert_", "self_signed", "self-signed", "x509"],
    patterns: [
      /certificate verify failed|unable to get local issuer certificate|self[- ]signed certificate in certificate chain/i,
      /\b(?:CERT_HAS_EXPIRED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)\b/,
      /x509: certificate (?:has expired|signed by unknown authority|is valid for)/,
      /SSL certificate problem: /,
    ],
    explanation:
      "A TLS certificate could not be verified (expired, self-signed, or an unknown authority).",
    remedy:
      "Install the CA the job needs (a corporate proxy's, a private registry's) or renew the expired certificate; do not disable verification.",
    examples: [
      "npm error request to https://registry.internal/x failed, reason: unable to get local issuer certificate",
      "curl: (60) SSL certificate problem: self-signed certificate in certificate chain",
      'Get "https://registry.internal/v2/": x509: certificate signed by unknown authority',
    ],
  },
  {
    id: "network/dns",
    category: "network_transient",
    transient: true,
    confidence: 0.88,
    keywords: [
      "resolve host",
      "name resolution",
      "getaddrinfo",
      "eai_again",
      "service not known",
      "no such host",
      "server misbehaving",
      "servname",
      "resolve hostname",
      "failed to resolve '",
    ],
    patterns: [
      /Could not resolve host:? \S+/i,
      /Temporary failure in name resolution/,
      /getaddrinfo (?:EAI_AGAIN|ENOTFOUND)|\bEAI_AGAIN\b/,
      /Name or service not known|nodename nor servname provided/,
      /dial tcp: lookup \S+(?: on \S+)?: (?:no such host|server misbehaving|i\/o timeout)/,
      /Could not resolve hostname \S+: /,
      /Failed to resolve '[^']+'/,
    ],
    unless: [RETRYING],
    explanation: "A host name could not be resolved: DNS on the runner or upstream failed.",
    remedy:
      "Rerun the job; if it persists, check the host name and the runner's DNS or proxy settings.",
    examples: [
      "curl: (6) Could not resolve host: registry.npmjs.org",
      "fatal: unable to access 'https://github.com/org/repo.git/': Could not resolve host: github.com",
      "socket.gaierror: [Errno -3] Temporary failure in name resolution",
      "npm ERR! request to https://registry.npmjs.org/react failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org",
      'go: github.com/pkg/errors@v0.9.1: Get "https://proxy.golang.org/x": dial tcp: lookup proxy.golang.org on 127.0.0.53:53: server misbehaving',
    ],
  },
  {
    id: "network/connection-dropped",
    category: "network_transient",
    transient: true,
    confidence: 0.86,
    keywords: [
      "condahttperror",
      "reset by peer",
      "econnreset",
      "econnaborted",
      "hang up",
      "hung up",
      "connection aborted",
      "remotedisconnected",
      "incompleteread",
      "empty reply",
      "early eof",
      "rpc failed",
      "ssl_error_syscall",
      "unexpected eof",
      "premature",
      "could not create connection",
    ],
    patterns: [
      /Connection reset by peer/i,
      /\bECONNRESET\b|\bECONNABORTED\b/,
      /socket hang up/,
      /the remote end hung up unexpectedly/i,
      /Connection aborted|RemoteDisconnected|IncompleteRead/,
      /Empty reply from server/,
      /\bearly EOF\b/,
      /RPC failed; (?:curl|HTTP) \d+/,
      /SSL_ERROR_SYSCALL|unexpected eof while reading/i,
      /ERR_STREAM_PREMATURE_CLOSE|Premature close/,
      /Could not create connection to \S+/,
      /CondaHTTPError: HTTP 000 CONNECTION FAILED/,
    ],
    unless: [RETRYING],
    explanation: "A network connection was dropped mid-transfer.",
    remedy:
      "Rerun the job; if it recurs, cache the download or mirror the dependency closer to the runner.",
    examples: [
      "fatal: unable to access 'https://github.com/vim/vim/': Empty reply from server",
      "error: RPC failed; curl 56 GnuTLS recv error (-54): Error in the pull function.",
      "fatal: the remote end hung up unexpectedly",
      "npm ERR! code ECONNRESET",
      "read tcp 10.1.0.4:51234->140.82.112.3:443: read: connection reset by peer",
      '  signal(error ("Could not create connection to melpa.org:443"))',
    ],
  },
  {
    id: "network/timeout",
    category: "network_transient",
    transient: true,
    confidence: 0.78,
    keywords: [
      "deadline exceeded",
      "timedout",
      "timed out",
      "timeout",
      "request canceled",
      "unreachable",
      "no route to host",
      "failed to connect",
      "failed to establish",
      "connecttimeout",
      "curl: (",
    ],
    patterns: [
      /\bE(?:SOCKET)?TIMEDOUT\b/,
      /Connection timed out|connect timed out|Read timed out|Operation timed out after/i,
      /(?:TLS handshake|i\/o|dial tcp .*) timeout\b/,
      /net\/http: request canceled|Client\.Timeout exceeded while awaiting headers|context deadline exceeded/,
      /ReadTimeoutError|ConnectTimeoutError|ConnectTimeout\b/,
      /Network is unreachable|\bENETUNREACH\b|\bEHOSTUNREACH\b|No route to host/,
      /Failed to connect to \S+ port \d+/,
      /Failed to establish a new connection/,
      /curl: \((?:7|28|35|52|56)\)/,
    ],
    unless: [RETRYING],
    explanation: "A network request timed out or the remote host was unreachable.",
    remedy:
      "Rerun the job; if it persists, the remote service may be down or blocked from the runner.",
    examples: [
      "npm ERR! code ETIMEDOUT",
      "pip._vendor.urllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Read timed out.",
      'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: TLS handshake timeout',
      "curl: (28) Operation timed out after 300000 milliseconds with 0 out of 0 bytes received",
      "Could not transfer artifact org.slf4j:slf4j-api:pom:1.7.36 from/to central (https://repo.maven.apache.org/maven2): Connect timed out",
    ],
  },
  {
    id: "network/retries-exhausted",
    category: "network_transient",
    transient: true,
    confidence: 0.75,
    keywords: ["retry(total", "max retries exceeded", "retries exhausted", "giving up after"],
    patterns: [
      /Retrying \(Retry\(total=\d+.*(?:NewConnectionError|ReadTimeoutError|ConnectTimeoutError|ProtocolError|SSLError|RemoteDisconnected)/,
      /(?:Max retries exceeded|retries exhausted|giving up after \d+ attempts?)\b.*(?:connect|timeout|timed out|reset|resolve|network)/i,
    ],
    explanation: "Downloads kept failing on the network until the tool gave up.",
    remedy:
      "Rerun the job; if the index or registry is reachable, check the package name and version.",
    examples: [
      "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 101] Network is unreachable')': /simple/requests/",
      "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded with url: /v1 (Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))",
    ],
  },
  {
    id: "network/registry-unavailable",
    category: "network_transient",
    transient: true,
    confidence: 0.8,
    keywords: [
      "bad gateway",
      "service unavailable",
      "service temporarily unavailable",
      "gateway time",
      "err! code e50",
      "error code e50",
      "unexpected http status: 50",
      "status code 50",
      "rpc failed; http 50",
      "returned error: 50",
      "return code is: 50",
      "server error: ",
    ],
    // A 5xx from the application under test is a real failure, so only registry and download
    // contexts count: a URL on the line, or a package manager's own wording.
    patterns: [
      /\b50[234] (?:Bad Gateway|Service (?:Temporarily )?Unavailable|Gateway Time-?out)\b.*https?:\/\//i,
      /https?:\/\/.*\b50[234] (?:Bad Gateway|Service (?:Temporarily )?Unavailable|Gateway Time-?out)\b/i,
      /\bE50[234]\b/,
      /received unexpected HTTP status: 50[234]/,
      /Received status code 50[234] from server/,
      /RPC failed; HTTP 50[234]|The requested URL returned error: 50[234]|Return code is: 50[234]/,
      /unable to access '[^']+': The requested URL returned error: 5\d\d/,
      /\b50[234] Server Error: .* for url: /,
    ],
    explanation: "A package registry or remote service answered with a server error (5xx).",
    remedy:
      "Rerun the job later; the registry was having trouble. Check its status page if it persists.",
    examples: [
      "npm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/lodash",
      "npm ERR! code E502",
      "Could not GET 'https://repo.maven.apache.org/maven2/x.pom'. Received status code 502 from server: Bad Gateway",
      "error: RPC failed; HTTP 504 curl 22 The requested URL returned error: 504",
      "ERROR: failed to solve: failed to fetch anonymous token: received unexpected HTTP status: 503 Service Unavailable",
      "requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: https://pypi.org/simple/numpy/",
    ],
  },
  {
    id: "network/package-mirror",
    category: "network_transient",
    transient: true,
    confidence: 0.72,
    keywords: ["hash sum mismatch", "mirror sync", "error nu1301"],
    patterns: [
      /Hash Sum mismatch|Mirror sync in progress/,
      /error NU1301: Unable to load the service index for source/,
    ],
    explanation: "A package mirror served inconsistent or no metadata while it was being updated.",
    remedy: "Rerun the job; package mirrors settle within minutes.",
    examples: [
      "E: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/jammy-updates/main/binary-amd64/Packages.gz  Hash Sum mismatch",
      "/src/App.csproj : error NU1301: Unable to load the service index for source https://api.nuget.org/v3/index.json.",
    ],
  },
  {
    id: "download/not-found",
    category: "dependency_missing",
    transient: false,
    confidence: 0.7,
    keywords: ["404", "artifact not found", "unable to find any artifacts"],
    patterns: [
      /\b404\s+Not Found\b/i,
      /returned error: 404\b|ERROR 404: Not Found|HTTP Error 404\b|status code 404\b|Received status code 404 from server/i,
      /Artifact not found for name|Unable to find any artifacts for the associated workflow/,
    ],
    explanation: "A file the job downloads does not exist at its URL (HTTP 404).",
    remedy:
      "Check the URL and version of the download; the file may have been moved or never published.",
    examples: [
      "curl: (22) The requested URL returned error: 404",
      "* Failure 404 Not Found",
      "E: Failed to fetch http://archive.ubuntu.com/ubuntu/pool/main/o/openssl/libssl3_3.0.2-0ubuntu1.10_amd64.deb  404  Not Found [IP: 185.125.190.39 80]",
      "urllib.error.HTTPError: HTTP Error 404: Not Found",
    ],
  },
  {
    id: "network/git-remote",
    category: "network_transient",
    transient: true,
    confidence: 0.7,
    keywords: ["remote repo"],
    patterns: [/ERROR: Error (?:cloning|fetching) remote repo '[^']+'/],
    explanation: "The CI server could not fetch the repository.",
    remedy:
      "Rerun the job; if it keeps failing, check the remote URL and the credentials used for checkout.",
    examples: ["ERROR: Error fetching remote repo 'origin'"],
  },
  {
    id: "network/remote-refused",
    category: "network_transient",
    transient: true,
    confidence: 0.55,
    keywords: ["refused"],
    patterns: [/Connection refused|\bECONNREFUSED\b/],
    unless: [RETRYING, LOCAL_ADDRESS],
    explanation: "A remote service refused the connection.",
    remedy: "Rerun the job; if it persists the service is down or the address is wrong.",
    examples: [
      "Error: connect ECONNREFUSED 104.16.24.35:443",
      "curl: (7) Failed to connect to api.example.com port 443: Connection refused",
    ],
  },
  {
    id: "network/local-service-refused",
    category: "runtime_error",
    transient: false,
    confidence: 0.55,
    keywords: ["refused"],
    patterns: [
      /(?:Connection refused|ECONNREFUSED).*(?:localhost|127\.0\.0\.1|::1|0\.0\.0\.0|\b10\.\d+\.\d+\.\d+|\b172\.(?:1[6-9]|2\d|3[01])\.\d+\.\d+|\b192\.168\.\d+\.\d+)/,
      /(?:localhost|127\.0\.0\.1)\S*.*Connection refused/,
    ],
    unless: [RETRYING],
    explanation: "Nothing was listening on a local port: a service the tests need did not start.",
    remedy:
      "Check that the database or server the job needs is started and healthy before the tests run.",
    examples: [
      "Error: connect ECONNREFUSED 127.0.0.1:5432",
      'psycopg2.OperationalError: connection to server at "localhost" (127.0.0.1), port 5432 failed: Connection refused',
    ],
  },
  {
    id: "network/browser-disconnected",
    category: "network_transient",
    transient: true,
    confidence: 0.8,
    keywords: ["disconnected"],
    patterns: [
      /Disconnected,? because no message in \d+ ?ms/,
      /Executed \d+ of \d+ DISCONNECTED/,
      /\bDisconnected \(\d+ times?\)/,
    ],
    explanation: "A remote test browser stopped answering the test runner (Karma, a browser farm).",
    remedy:
      "Rerun the job; if one browser keeps dropping out, raise `browserNoActivityTimeout` or check the browser provider.",
    examples: [
      "  Disconnected, because no message in 60000 ms.",
      "Firefox 115.0 (Windows 10): Executed 12 of 300 DISCONNECTED (1 min 0.123 secs / 0 secs)",
    ],
  },
];
