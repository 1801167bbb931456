/**
 * The settings netsentinel knows by name: each key (section.key, as the config file writes it), its
 * default, whether it is a secret, one line saying what it does, and the older names the seeds used
 * for it (seed 002's `.env`: IPQS_API_KEY, API_TIMEOUT, LOG_LEVEL, ...). `config show` lists these
 * even when nothing sets them, the loader maps the seed names onto them, and the logger redacts
 * every secret among them.
 *
 * A key that is not listed still works (`settings.get('smtp.host')` reads NETSENTINEL_SMTP_HOST, the
 * .env file and the config file alike); listing it adds its default, its description and its alias.
 * Other folders add their rows here (additively) or keep their own table and pass it to the loader.
 */

export interface SettingKey {
  /** "section.key" (camelCase segments), as in the config file */
  readonly key: string;
  readonly default?: string | number | boolean;
  readonly description: string;
  /** never printed or logged in clear */
  readonly secret?: boolean;
  /** the seeds' environment names for it (seed 002's .env), accepted as well as NETSENTINEL_… */
  readonly aliases?: readonly string[];
}

/** Top-level sections of the one configuration file; the analysis loader accepts these beside its own. */
export const CONFIG_SECTIONS: readonly string[] = [
  // analysis (src/config/analysis-config.ts)
  'thresholds', 'weights', 'rules', 'store',
  // this branch: settings, logs, intel, uploads, one-flow scoring
  'log', 'intel', 'upload', 'score',
  // respond / service / packets branches
  'policy', 'decisions', 'block', 'notify', 'smtp', 'webhook', 'backend', 'syslog', 'serve', 'server', 'api', 'capture', 'bus',
  'respond',
];

export const SETTING_KEYS: readonly SettingKey[] = [
  { key: 'log.level', default: 'warn', description: 'log level: trace, debug, info, warn (WARNING), error, fatal, silent', aliases: ['LOG_LEVEL'] },
  { key: 'log.file', description: 'also write logs to this file as JSON lines', aliases: ['LOG_FILE'] },

  { key: 'intel.timeoutSeconds', default: 5, description: 'per-request timeout for threat-intelligence providers', aliases: ['API_TIMEOUT'] },
  { key: 'intel.cacheTtlSeconds', default: 86400, description: 'how long a provider answer is reused from the store' },
  { key: 'intel.store', description: 'where the intel cache lives (SQLite path or postgres:// URL); default: the alert store' },
  { key: 'intel.feeds', description: 'local feed files (FireHOL .netset, Spamhaus DROP, plain lists, CSV), comma-separated or a list' },
  { key: 'intel.alertScore', default: 75, description: 'fused threat score (0-100) at or above which an IP is malicious (seed 002: 75)' },
  { key: 'intel.weights.ipqs', default: 0.45, description: 'weight of IPQualityScore in the fused score' },
  { key: 'intel.weights.virustotal', default: 0.35, description: 'weight of VirusTotal in the fused score' },
  { key: 'intel.weights.abuseipdb', default: 0.35, description: 'weight of AbuseIPDB in the fused score' },
  { key: 'intel.weights.feeds', default: 0.3, description: 'weight of a local feed match in the fused score' },
  { key: 'intel.ipqs.apiKey', secret: true, description: 'IPQualityScore API key', aliases: ['IPQS_API_KEY'] },
  { key: 'intel.ipqs.baseUrl', default: 'https://ipqualityscore.com/api/json/ip', description: 'IPQualityScore IP reputation endpoint' },
  { key: 'intel.ipqs.fraudThreshold', default: 75, description: 'IPQS fraud score that alone marks an IP malicious', aliases: ['IPQS_FRAUD_THRESHOLD'] },
  { key: 'intel.ipqs.ratePerMinute', default: 60, description: 'requests per minute to IPQualityScore (token bucket)' },
  { key: 'intel.virustotal.apiKey', secret: true, description: 'VirusTotal API key (v3)', aliases: ['VIRUSTOTAL_API_KEY', 'VT_API_KEY'] },
  { key: 'intel.virustotal.baseUrl', default: 'https://www.virustotal.com/api/v3', description: 'VirusTotal API v3 root' },
  { key: 'intel.virustotal.maliciousThreshold', default: 1, description: 'engines calling an IP malicious before VirusTotal alone marks it malicious', aliases: ['VT_MALICIOUS_THRESHOLD'] },
  { key: 'intel.virustotal.ratePerMinute', default: 4, description: 'requests per minute to VirusTotal (public API: 4)' },
  { key: 'intel.abuseipdb.apiKey', secret: true, description: 'AbuseIPDB API key (v2)', aliases: ['ABUSEIPDB_API_KEY'] },
  { key: 'intel.abuseipdb.baseUrl', default: 'https://api.abuseipdb.com/api/v2', description: 'AbuseIPDB API v2 root' },
  { key: 'intel.abuseipdb.maxAgeInDays', default: 90, description: 'AbuseIPDB reports considered (days)' },
  { key: 'intel.abuseipdb.ratePerMinute', default: 60, description: 'requests per minute to AbuseIPDB' },

  { key: 'upload.url', description: 'WebDAV folder URL that analyze uploads its outputs to after writing them' },
  { key: 'upload.username', description: 'basic-auth user for uploads' },
  { key: 'upload.password', secret: true, description: 'basic-auth password for uploads' },
  { key: 'upload.timeoutSeconds', default: 30, description: 'per-request timeout for uploads' },

  { key: 'score.anomalyThreshold', default: 0.95, description: 'risk (0-1) at or above which `score` calls a flow an anomaly (seed 002 used an autoencoder error here)', aliases: ['ANOMALY_THRESHOLD'] },

  // the HTTP service (`serve`, src/server/server-config.ts reads these through the loader; defaults equal DEFAULT_SERVER_CONFIG, a test holds them together)
  { key: 'server.host', default: '127.0.0.1', description: 'address serve binds; beyond loopback API keys are required' },
  { key: 'server.port', default: 8080, description: 'port serve listens on (0 picks a free one)' },
  { key: 'server.requireKeys', default: false, description: 'require API keys even on loopback' },
  { key: 'server.classify.model', description: 'model /classify answers with (default: the only classifier served)' },
  { key: 'server.classify.minConfidence', default: 0.5, description: '/classify answers "Not recognized" when the top class probability is below this' },
  { key: 'server.classify.unknownCategory', default: 'reject', description: 'a category never seen in training: reject (400) or ignore (encoded as unseen)' },
  { key: 'server.limits.bodyBytes', default: 65536, description: 'largest JSON body (413 beyond)' },
  { key: 'server.limits.batchBytes', default: 1073741824, description: 'largest streamed upload: /v1/predict batches, /v1/analyze flow files and captures (413 beyond)' },
  { key: 'server.limits.maxConnections', default: 1024, description: 'open connections at once; more are refused' },
  { key: 'server.limits.headersTimeoutMs', default: 10000, description: 'a client must send its headers within this (408)' },
  { key: 'server.limits.requestTimeoutMs', default: 30000, description: 'a request body must arrive within this (408), except batches' },
  { key: 'server.limits.batchTimeoutMs', default: 600000, description: 'a batch or analysis upload must arrive within this (408)' },
  { key: 'server.limits.keepAliveTimeoutMs', default: 5000, description: 'idle keep-alive connections are closed after this' },
  { key: 'server.limits.streamBufferBytes', default: 1048576, description: 'most bytes of live-feed (SSE) events waiting for one slow client; beyond it the client gets a last overflow event and is dropped' },
  { key: 'server.rateLimit.perSecond', default: 100, description: 'requests per second of a key made by `keys add` without --rate (429 beyond)' },
  { key: 'server.cors.origins', description: 'origins allowed by CORS, comma-separated or a list (off when empty)' },
  { key: 'server.accessLog', default: '-', description: "access log: '-' (stderr), a file path, or 'off'" },
  { key: 'server.watchModels', default: true, description: 'reload model files when they change' },

  // seed 002's backend alerts; read by the respond branch's webhook channel
  { key: 'webhook.url', description: 'backend API that receives alerts as JSON POSTs', aliases: ['BACKEND_API_URL'] },
  { key: 'webhook.timeoutSeconds', default: 5, description: 'backend API request timeout', aliases: ['API_TIMEOUT'] },
  { key: 'webhook.maxRetries', default: 3, description: 'retries of a failed backend API call', aliases: ['MAX_RETRIES'] },
  { key: 'webhook.token', secret: true, description: 'bearer token for the backend API' },
  { key: 'smtp.password', secret: true, description: 'SMTP password' },
  // respond branch (src/respond/): the policy and the other channels; parsed by respondConfigFrom, smtpConfigFrom, syslogConfigFrom
  { key: 'respond.apply', default: false, description: 'act for real (store real decisions, send alerts); false = dry run' },
  { key: 'respond.suppress', default: '1h', description: 'one decision per address, type and reason within this window' },
  { key: 'respond.notifyManual', default: true, description: 'announce decisions added or deleted by hand (decisions add|delete, POST|DELETE /v1/decisions) on the notify channels' },
  { key: 'respond.banTargets', default: false, description: 'ban a host another source scanned, brute-forced or flooded on its risk alone (default: alert only)' },
  { key: 'respond.banSelfFitted', default: false, description: 'ban a source on the risk of an analysis without a baseline alone, with no rule finding, intel or classifier attack class (default: alert only)' },
  { key: 'respond.allowlist', description: 'networks and hosts never banned, besides loopback, own addresses, gateways and resolvers' },
  { key: 'smtp.host', description: 'SMTP server for alert email (STARTTLS on 587 by default)', aliases: ['SMTP_HOST'] },
  { key: 'smtp.port', default: 587, description: 'SMTP port', aliases: ['SMTP_PORT'] },
  { key: 'smtp.user', description: 'SMTP AUTH user', aliases: ['SMTP_USER'] },
  { key: 'smtp.to', default: 'admin@example.com', description: 'alert email recipients (seed 000: admin@example.com)' },
  { key: 'syslog.host', description: 'syslog server for RFC 5424 alerts' },
  { key: 'syslog.port', default: 514, description: 'syslog port' },
  { key: 'syslog.protocol', default: 'udp', description: 'udp or tcp (octet-counted frames)' },
];

/** A key whose last segment names a credential is a secret even when no row says so. */
export function isSecretKey(key: string): boolean {
  const row = SETTING_KEYS.find((k) => k.key === key);
  if (row?.secret) return true;
  const last = key.slice(key.lastIndexOf('.') + 1);
  return /(api_?key|apikey|password|passwd|secret|token|credentials?|private_?key)$/i.test(last) || /^(key)$/i.test(last);
}

/** "intel.ipqs.apiKey" → "NETSENTINEL_INTEL_IPQS_API_KEY". */
export function envNameOf(key: string): string {
  return (
    'NETSENTINEL_' +
    key
      .split('.')
      .map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase())
      .join('_')
  );
}

/** "intel.ipqs.apiKey" → "--intel-ipqs-api-key". */
export function flagNameOf(key: string): string {
  return '--' + key.split('.').map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()).join('-');
}
