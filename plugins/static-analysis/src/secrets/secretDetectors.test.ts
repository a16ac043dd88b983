import { detectSecrets } from './secretDetectors';
import { fakes, hex, mixed } from '../testing/secretFakes';

const kinds = (text: string, context = {}) =>
  detectSecrets(text, context).map(m => `${m.kind}:${m.value}`);

describe('detectSecrets', () => {
  it('finds prefixed tokens anywhere in text, with their exact value', () => {
    const cases: Array<[string, string]> = [
      ['aws-access-key-id', fakes.awsKeyId()],
      ['github-token', fakes.github('ghp')],
      ['github-token', fakes.github('gho')],
      ['npm-token', fakes.npm()],
      ['gitlab-token', fakes.gitlab()],
      ['slack-token', fakes.slackToken()],
      ['stripe-secret-key', fakes.stripe()],
      ['google-api-key', fakes.googleApiKey()],
      ['sendgrid-api-key', fakes.sendgrid()],
      ['vault-token', fakes.vault()],
      ['jwt', fakes.jwt()],
    ];
    for (const [kind, value] of cases) {
      expect(kinds(`Deploy with ${value} for now.`)).toEqual([`${kind}:${value}`]);
      expect(kinds(`"${value}"`)).toEqual([`${kind}:${value}`]);
      // Part of a longer token is not the token.
      expect(kinds(`x${value}x`).filter(k => k.startsWith(kind))).toEqual([]);
    }
  });

  it('masks only the secret part of webhooks, URLs and connection strings', () => {
    const webhook = fakes.slackWebhook();
    expect(kinds(webhook.url)).toEqual([`slack-webhook:${webhook.token}`]);
    const password = fakes.password();
    expect(kinds(`jdbc: postgres://app:${password}@10.1.2.3:5432/db`)).toEqual([
      `url-credentials:${password}`,
    ]);
    expect(kinds(`redis://:${password}@cache.svc.cluster.local:6379`)).toEqual([
      `url-credentials:${password}`,
    ]);
    const azure = fakes.azureKey();
    expect(
      kinds(
        `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${azure};EndpointSuffix=core.windows.net`,
      ),
    ).toEqual([`azure-storage-key:${azure}`]);
  });

  it('takes the whole PEM block of a private key, and recognises service-account JSON', () => {
    const key = fakes.privateKey();
    const [match] = detectSecrets(`key:\n${key}\n`);
    expect(match).toMatchObject({ kind: 'private-key', value: key, severity: 'critical' });
    const escaped = fakes.privateKey('PRIVATE KEY').replace(/\n/g, '\\n');
    const json = `{"type": "service_account", "private_key": "${escaped}", "client_email": "a@b.iam.gserviceaccount.com"}`;
    expect(kinds(json)).toEqual([`gcp-service-account-key:${escaped}`]);
    expect(
      detectSecrets(fakes.privateKey('PRIVATE KEY'), { parent: { type: 'service_account' } })[0]
        .kind,
    ).toBe('gcp-service-account-key');
    // A truncated paste without END still counts; a header with a placeholder body does not.
    const truncated = key.slice(0, 400);
    expect(kinds(truncated)).toHaveLength(1);
    expect(
      kinds(['-----BEGIN', ' PRIVATE KEY-----\n...\n-----END', ' PRIVATE KEY-----'].join('')),
    ).toEqual([]);
  });

  it('validates GitHub checksums: a broken checksum is only believed in a credential slot', () => {
    const broken = fakes.githubBadChecksum();
    expect(kinds(`old token ${broken} (rotated)`)).toEqual([]);
    expect(kinds(`build ref ${broken}`, { key: 'acme.io/build-ref' })).toEqual([]);
    const inUrl = detectSecrets(`https://x-access-token:${broken}@github.com/acme/repo.git`);
    expect(inUrl).toMatchObject([{ kind: 'github-token', value: broken, checksum: 'invalid' }]);
    const underKey = detectSecrets(broken, { key: 'acme.io/github-token' });
    expect(underKey).toMatchObject([{ kind: 'github-token', checksum: 'invalid' }]);
    const valid = fakes.github();
    expect(detectSecrets(`see ${valid}`)).toMatchObject([{ checksum: 'valid', basis: 'checksum' }]);
  });

  it('lets the key name decide ambiguous shapes', () => {
    const uuid = '3f2b8c1e-9a47-4d2b-8e6f-1c0a5b7d9e42';
    expect(kinds(uuid, { key: 'acme.io/api-key' })).toEqual([`generic-secret:${uuid}`]);
    expect(kinds(uuid, { key: 'acme.io/dataset-id' })).toEqual([]);
    expect(kinds(`dataset ${uuid}`)).toEqual([]);
    const awsSecret = fakes.awsSecret();
    expect(kinds(awsSecret, { key: 'acme.io/aws-secret-access-key' })).toEqual([
      `aws-secret-access-key:${awsSecret}`,
    ]);
    expect(kinds(awsSecret, { key: 'acme.io/checksum' })).toEqual([]);
    const h32 = hex(32);
    expect(kinds(h32, { key: 'pagerduty.com/integration-key' })).toEqual([
      `pagerduty-integration-key:${h32}`,
    ]);
    expect(kinds(h32, { key: 'apiKey', path: 'spec.datadog.apiKey' })).toEqual([
      `datadog-api-key:${h32}`,
    ]);
    expect(kinds(h32, { key: 'acme.io/artifact-md5' })).toEqual([]);
    const sha = hex(40);
    expect(kinds(sha, { key: 'acme.io/last-deployed-commit' })).toEqual([]);
    expect(kinds(sha, { key: 'acme.io/deploy-token' })).toEqual([`generic-secret:${sha}`]);
  });

  it('reads NAME=value assignments in free text', () => {
    const secret = fakes.awsSecret();
    expect(kinds(`export AWS_SECRET_ACCESS_KEY=${secret}\n`)).toEqual([
      `aws-secret-access-key:${secret}`,
    ]);
    const dd = hex(32);
    expect(kinds(`Configure DD_API_KEY=${dd} first`)).toEqual([`datadog-api-key:${dd}`]);
    const random = mixed(32);
    expect(kinds(`{"client_secret": "${random}"}`)).toEqual([`generic-secret:${random}`]);
    expect(kinds(`password: ${random}`)).toEqual([`generic-secret:${random}`]);
  });

  it('stays quiet on placeholders, references and public material', () => {
    const quiet: Array<[string, string?]> = [
      ['${VAULT_TOKEN}', 'vault.io/token'],
      ['${{ secrets.NPM_TOKEN }}', 'token'],
      ['<your-api-key>', 'acme.io/api-key'],
      ['changeme', 'password'],
      ['********', 'password'],
      ['x'.repeat(40), 'acme.io/api-token'],
      ['abababababababababababababababab', 'sessionSecret'],
      ['min-length-12', 'passwordPolicy'],
      ['every-90-days', 'acme.io/secret-rotation'],
      ['secret/data/payments/api', 'vault.io/secrets-path'],
      ['database/creds/ledger-rw', 'vault.hashicorp.com/agent-inject-secret-db'],
      ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf', 'acme.io/secret-arn'],
      ['https://vault.acme.corp/ui/vault/secrets', 'acme.io/secrets-url'],
      [['pk', '_live_', mixed(24)].join(''), 'acme.io/stripe-publishable-key'],
      [`ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${mixed(43)} ops@host`, 'acme.io/ssh-public-key'],
      [
        ['-----BEGIN', ' CERTIFICATE-----\n', mixed(200), '\n-----END CERTIFICATE-----'].join(''),
        'tls-cert',
      ],
      [`sha256:${hex(64)}`, 'acme.io/image-digest'],
      [Buffer.from('Welcome to the payments team').toString('base64'), 'acme.io/banner'],
      ['postgres://app:${DB_PASSWORD}@db:5432/app', 'acme.io/db-url'],
      ['https://user:password@db.acme.corp/x', 'acme.io/db-url'],
      [['gh', 'p_', 'x'.repeat(36)].join(''), 'description'],
      ['type: apiKey\nname: X-API-Key\npassword: { type: string }', 'definition'],
      ['token: ${{ secrets.GITHUB_TOKEN }}', 'definition'],
    ];
    for (const [value, key] of quiet) {
      expect({ value, found: kinds(value, { key }) }).toEqual({ value, found: [] });
    }
  });

  it('reports no documentation example', () => {
    const example = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
    expect(kinds(`AWS_ACCESS_KEY_ID=${example}`)).toEqual([]);
    expect(kinds('https://admin:Vq7mZt2Lw9xK@db.example.com/x')).toEqual([]);
    const claims = Buffer.from(JSON.stringify({ sub: '1234567890', name: 'John Doe' })).toString(
      'base64url',
    );
    const jwtIoLike = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${claims}.${mixed(43)}`;
    expect(kinds(`Authorization: Bearer ${jwtIoLike}`)).toEqual([]);
    expect(detectSecrets(fakes.awsKeyId())).toMatchObject([{ example: false, severity: 'high' }]);
  });

  it('reports no placeholder of any detector, and still finds the real secret beside it', () => {
    const real = fakes.github();
    const placeholders: Array<[string, string?]> = [
      // character runs a person types
      ['abcd1234efgh5678ijkl', 'acme.io/api-token'],
      ['qwertyuiop123', 'password'],
      ['1234567890123456', 'acme.io/api-key'],
      ['asdfghjkl;2024', 'password'],
      [['AK', 'IA', '1234567890ABCDEF'].join(''), 'description'],
      [['sk', '_live_', 'abc123def456ghi789jkl0'].join(''), 'description'],
      [['xo', 'xb-', '123456789012-1234567890123-', mixed(24)].join(''), 'description'],
      // elided values
      [['sk', '_live_', '51Hq8Rt...xyz789'].join(''), 'acme.io/stripe-secret-key'],
      [['gh', 'p_', 'Kq9mT2vX7bN4...'].join(''), 'acme.io/github-token'],
      [
        '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----',
        'key',
      ],
      [
        '-----BEGIN PRIVATE KEY-----\nMIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEA\n-----END PRIVATE KEY-----',
        'key',
      ],
      [
        '-----BEGIN OPENSSH PRIVATE KEY-----\npaste your private key here\n-----END OPENSSH PRIVATE KEY-----',
        'key',
      ],
      // repeated units and filler inside a value
      ['abc123abc123abc123abc123', 'acme.io/api-key'],
      ['Zq9Zq9Zq9Zq9Zq9Zq9Zq9Zq9', 'token'],
      ['tok_live_XXXXXXXXXXXXXXXX1a2b', 'acme.io/api-token'],
      ['Rk8v****************mQ2x', 'acme.io/client-secret'],
      // stand-in words
      ['your_api_key_here', 'apiKey'],
      ['YOUR_SECRET_TOKEN_HERE', 'acme.io/secret-token'],
      ['MySecretPassword123!', 'password'],
      ['s3cr3t-Passw0rd', 'password'],
      [['gh', 'p_', 'fakeTokenDoNotUse4f9K2mQ7xL0pR3vW8nB'].join(''), 'acme.io/github-token'],
      [['sk', '_test_', 'dummyKey8f3Kq2Lm9Xv4Tz7Wn1'].join(''), 'description'],
      ['sampleToken-4f9K2mQ7xL0pR3vW8nB5', 'acme.io/api-token'],
      ['test-api-key-Jq7Xm2Kv9Lp4', 'acme.io/api-key'],
      // base64 of words
      ['cGFzc3dvcmQ=', 'password'],
      ['Y2hhbmdlbWU=', 'acme.io/db-password'],
      ['c3VwZXJzZWNyZXQ=', 'secret'],
      // substitutions anywhere
      ['Bearer <your-token>', 'acme.io/auth-token'],
      ['prefix-${TOKEN_SUFFIX}-Jq7Xm2Kv9', 'token'],
      ['api_key={{ api_key }}', 'description'],
      ["jwt_secret: 'signing_key_Jq7Xm2_${{ parameters.environment }}'", 'description'],
      ['PASSPHRASE=cert_pass_{{ env }}_Kq9', 'description'],
      ['postgres://app:{{ db_password }}@db.acme.corp:5432/app', 'acme.io/connection'],
      ['https://deploy:${{ secrets.DEPLOY_PASSWORD }}@registry.acme.corp', 'description'],
      // URLs on example and local hosts, default passwords
      ['postgres://app:Vq7mZt2Lw9xK@db.example.org:5432/app', 'description'],
      ['amqp://svc:Tf4kP9sQ2vXw@rabbit.acme.example:5672', 'description'],
      ['mysql://root:H7gk2LmQ9xTz@localhost:3306/app', 'description'],
      ['redis://:H7gk2LmQ9xTz@127.0.0.1:6379', 'description'],
      ['https://user:Jq7Xm2Kv9Lp4@your-host:8443/', 'description'],
      ['postgres://postgres:postgres@db.acme.corp:5432/app', 'description'],
      ['postgres://app:pw@db.acme.corp:5432/app', 'description'],
    ];
    for (const [value, key] of placeholders) {
      expect({ value, found: kinds(value, { key }) }).toEqual({
        value,
        found: [],
      });
      // Beside a real token, only the real token is reported.
      expect({
        value,
        found: kinds(`${value} ${real}`, { key: 'description' }),
      }).toEqual({
        value,
        found: [`github-token:${real}`],
      });
    }
  });

  it('reads only a real scheme://user:password@host authority as credentials', () => {
    const misparses = [
      'tcp://kafka-0.acme.io:9092@6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
      'kafka://broker:9092@Kq9mT2vX7bN4Lp8R',
      'git@github.com:acme/payments.git',
      'ssh://git@github.com/acme/payments.git',
      'ssh://deploy@bastion.acme.io:22',
      'https://registry.acme.io:8443/charts/payments@v1.2.3',
      'https://github.com/acme/payments@Kq9mT2vX7bN4Lp8R',
      'mailto:payments@acme.io',
      'https://user:Jq7Xm2Kv9Lp4@{{ host }}/x',
    ];
    for (const value of misparses) {
      expect({
        value,
        found: kinds(value, { key: 'acme.io/endpoint' }),
      }).toEqual({
        value,
        found: [],
      });
    }
    const password = fakes.password();
    expect(kinds(`https://deploy:${password}@registry.acme.io:8443/v2`)).toEqual([
      `url-credentials:${password}`,
    ]);
  });

  it('grades Stripe keys by mode', () => {
    expect(detectSecrets(fakes.stripe('sk_live'))[0].severity).toBe('critical');
    expect(detectSecrets(fakes.stripe('rk_live'))[0].severity).toBe('high');
    expect(detectSecrets(fakes.stripe('sk_test'))[0].severity).toBe('low');
  });

  // A backtracking pattern would not finish within the test's timeout on these inputs (~1 MB
  // each): a naive JWT pattern alone runs for minutes on the `eyJ` repetition.
  it('stays linear on hostile input', () => {
    const hostile = [
      'a://b:'.repeat(150_000),
      '://@'.repeat(250_000),
      'eyJ'.repeat(300_000),
      'eyJhbGciOi.'.repeat(90_000),
      ['-----BEGIN', ' PRIVATE KEY-----'].join('').repeat(35_000),
      `${['-----BEGIN', ' PRIVATE KEY-----'].join('')}${'A'.repeat(1_000_000)}`,
      ['gh', 'p_'].join('').repeat(250_000),
      ['gh', 'p_', 'a'.repeat(1_000_000)].join(''),
      ['AK', 'IA'].join('').repeat(250_000),
      'password='.repeat(110_000),
      `token: ${'x'.repeat(1_000_000)}`,
      'tokentokentoken'.repeat(70_000),
      ['gl', 'pat-'].join('').repeat(160_000),
      `xoxb-${'1'.repeat(20)}-`.repeat(40_000),
      'https://hooks.slack.com/services/TAAAAAAA/'.repeat(25_000),
      'a'.repeat(1_000_000),
      'a-'.repeat(500_000),
      // placeholder judgement and URL authorities
      `password: ${'abcdefghijklmnopqrstuvwxyz'.repeat(40_000)}`,
      `https://a:${'x'.repeat(1_000_000)}@example.com`,
      'https://a:b@'.repeat(80_000),
      'tcp://h:9092@'.repeat(80_000),
      `${['-----BEGIN', ' PRIVATE KEY-----'].join('')}\n${'...\n'.repeat(250_000)}`,
      `${['-----BEGIN', ' PRIVATE KEY-----'].join('')}${' '.repeat(1_000_000)}-----END`,
      `token=${'Zq9'.repeat(300_000)}`,
      `secret: ${Buffer.from('password'.repeat(100_000)).toString('base64')}`,
      ['gh', 'p_', 'test_'].join('').repeat(100_000),
    ];
    for (const text of hostile) {
      expect(
        detectSecrets(text, { key: 'acme.io/api-token', path: 'metadata.description' }),
      ).toEqual(expect.any(Array));
    }
  }, 60_000);
});
