// The secure variant of the local broker (`npm run kafka -- --secure`, server/test/kafka-security):
// clients must speak SASL/SCRAM-SHA-512 over TLS, the StandardAuthorizer refuses whatever no ACL
// allows, and brokers reach the controller over mutual TLS. The CA, the broker's certificate and
// the SCRAM passwords are generated once per data dir and kept there (0600), so a restart reuses
// them. A development setup, not a production one: docs/security.md says what production needs.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PrereqError } from './prereqs.mjs';

/** The super user the brokers talk to each other as, and the launcher grants ACLs as. */
export const ADMIN_USER = 'admin';
/** The DN in the broker's certificate: its principal on the mutual-TLS controller listener. */
const BROKER_DN = 'CN=kafka-broker';
const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;

function openssl(args, cwd) {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.error) throw new PrereqError(`openssl is needed for --secure (${result.error.message}); install it: sudo apt-get install openssl`);
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr.trim()}`);
}

function writeSecret(file, text) {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** A password kept in `<dir>/<user>.password` (0600): created once, then reused. */
function passwordFor(dir, user) {
  const file = path.join(dir, `${user}.password`);
  if (!fs.existsSync(file)) writeSecret(file, `${randomBytes(24).toString('base64url')}\n`);
  return { password: fs.readFileSync(file, 'utf8').trim(), passwordFile: file };
}

/** A CA and one broker certificate (EC P-256, SAN 127.0.0.1 and localhost), made once per dir. */
function ensureCertificates(dir) {
  const caFile = path.join(dir, 'ca.pem');
  const keystoreFile = path.join(dir, 'broker-keystore.pem');
  if (fs.existsSync(caFile) && fs.existsSync(keystoreFile)) return { caFile, keystoreFile };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '825', '-subj', '/CN=messenger-dev-ca'], dir);
  openssl(['req', ...ec, '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', `/${BROKER_DN}`], dir);
  // clientAuth too: the same certificate is the broker's identity towards the controller.
  fs.writeFileSync(
    path.join(dir, 'broker.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n',
  );
  openssl(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.crt', '-days', '825', '-extfile', 'broker.ext'], dir);
  // Kafka's PEM keystore: the unencrypted PKCS#8 key and the chain in one file.
  writeSecret(keystoreFile, fs.readFileSync(path.join(dir, 'broker.key'), 'utf8') + fs.readFileSync(path.join(dir, 'broker.crt'), 'utf8'));
  for (const leftover of ['broker.csr', 'broker.ext', 'broker.key']) fs.rmSync(path.join(dir, leftover), { force: true });
  fs.chmodSync(path.join(dir, 'ca.key'), 0o600);
  return { caFile, keystoreFile };
}

/**
 * Prepares `<root>/secure`: certificates, the admin password and one password per SCRAM user.
 * @param {string} root the cluster's data dir
 * @param {string[]} users SCRAM users besides the admin
 * @param {boolean} formatted whether the data dir already holds a cluster
 */
export function prepareSecurity(root, users, formatted) {
  for (const user of users) {
    if (!USERNAME.test(user) || user === ADMIN_USER) throw new PrereqError(`invalid SCRAM user name: ${user}`);
  }
  const dir = path.join(root, 'secure');
  // SCRAM users are written when the storage is first formatted; a formatted dir cannot gain them
  // here, and a broker without its admin user cannot even talk to itself.
  const missing = [ADMIN_USER, ...users].filter((u) => !fs.existsSync(path.join(dir, `${u}.password`)));
  if (formatted && missing.length > 0) {
    throw new PrereqError(`${root} was formatted without the SCRAM user(s) ${missing.join(', ')}: use another --data dir or --fresh`);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { caFile, keystoreFile } = ensureCertificates(dir);
  const admin = { username: ADMIN_USER, ...passwordFor(dir, ADMIN_USER) };
  return {
    dir,
    caFile,
    keystoreFile,
    admin,
    users: Object.fromEntries(users.map((user) => [user, { username: user, ...passwordFor(dir, user) }])),
  };
}

/** The listener, TLS, SASL and authorizer lines of a secure node's server.properties. */
export function secureProperties(security, node) {
  return [
    `listeners=SASL_SSL://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${node.port}`,
    'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${security.admin.username}" password="${security.admin.password}";`,
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${security.keystoreFile}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${security.caFile}`,
    // SCRAM cannot authenticate the controller listener (the credentials live in the metadata it
    // serves), so brokers and controllers prove themselves there with the certificate.
    'listener.name.controller.ssl.client.auth=required',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${security.admin.username};User:${BROKER_DN}`,
    'allow.everyone.if.no.acl.found=false',
  ];
}

/** `kafka-storage format` arguments that store every SCRAM credential in the initial metadata. */
export function scramFormatArgs(security) {
  return [security.admin, ...Object.values(security.users)].flatMap((u) => ['--add-scram', `SCRAM-SHA-512=[name=${u.username},password=${u.password}]`]);
}

/** kafkajs client options (ssl + sasl) for one of the cluster's users. */
export function kafkajsSecurity(security, user = security.admin) {
  return {
    ssl: { ca: [fs.readFileSync(security.caFile, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: user.username, password: user.password },
  };
}

/**
 * The ACLs a messenger server needs on its topic prefix, and nothing more: topics (create the
 * messages topic and its DLQ, write, read), groups (the history group, the live groups and every inbox group)
 * and transactional ids (each instance's group fan-out, `<prefix>.fanout.<instance>`).
 * docs/security.md lists the same grants as kafka-acls.sh lines.
 */
export function serverAcls(username, topicPrefix) {
  const principal = `User:${username}`;
  const prefixed = { resourceName: `${topicPrefix}.`, resourcePatternType: 'PREFIXED' };
  return [
    ...['CREATE', 'DESCRIBE', 'WRITE', 'READ'].map((operation) => ({ resourceType: 'TOPIC', ...prefixed, principal, operation })),
    ...['READ', 'DESCRIBE'].map((operation) => ({ resourceType: 'GROUP', ...prefixed, principal, operation })),
    ...['WRITE', 'DESCRIBE'].map((operation) => ({ resourceType: 'TRANSACTIONAL_ID', resourceName: `${topicPrefix}.fanout.`, resourcePatternType: 'PREFIXED', principal, operation })),
  ];
}

/**
 * Creates ALLOW ACLs (as the admin). Each entry: { resourceType: 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID', resourceName,
 * resourcePatternType: 'LITERAL' | 'PREFIXED', principal, operation }. Creating an existing ACL
 * is a no-op in Kafka, so this can run on every start.
 */
export async function grantAcls(bootstrap, security, acls) {
  // kafkajs is CommonJS, and Node's named-export detection misses the ACL enums.
  const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = (await import('kafkajs')).default;
  const kafka = new Kafka({ clientId: 'kafka-local-acls', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, ...kafkajsSecurity(security) });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createAcls({
      acl: acls.map((a) => ({
        resourceType: AclResourceTypes[a.resourceType],
        resourceName: a.resourceName,
        resourcePatternType: ResourcePatternTypes[a.resourcePatternType],
        principal: a.principal,
        host: '*',
        operation: AclOperationTypes[a.operation],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
