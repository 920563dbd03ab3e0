// Checks for what the local Kafka needs (Java 17+, Maven) and turns a missing piece into one
// line that says what to run, instead of a stack trace from deep inside a child process.
import { spawnSync } from 'node:child_process';

export class PrereqError extends Error {
  name = 'PrereqError';
}

/** A bad command-line value: one line, exit 2, like parseArgs' own errors. */
export class UsageError extends Error {
  name = 'UsageError';
}

const INSTALL_JAVA =
  'install a JDK 17 or newer (Debian/Ubuntu: sudo apt-get install openjdk-17-jdk-headless; macOS: brew install openjdk@17) ' +
  'or set JAVA_HOME, or point KAFKA_BROKERS at a running Kafka';
const INSTALL_MAVEN =
  'install Maven (Debian/Ubuntu: sudo apt-get install maven; macOS: brew install maven), ' +
  'or point KAFKA_BROKERS at a running Kafka';

/** The java binary: $JAVA_HOME/bin/java when JAVA_HOME is set, else java on the PATH. */
export function javaBinary() {
  return process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java';
}

/** Returns the Java major version, or throws a PrereqError with the fix. */
export function checkJava() {
  const java = javaBinary();
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new PrereqError(`Java was not found (${java}): ${INSTALL_JAVA}.`);
  }
  // `java -version` prints to stderr: openjdk version "17.0.15" / java version "1.8.0_402".
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
  if (major < 17) {
    throw new PrereqError(`Kafka 4 needs Java 17 or newer, found Java ${major || 'of unknown version'}: ${INSTALL_JAVA}.`);
  }
  return major;
}

/** Throws a PrereqError with the fix when Maven is missing. */
export function checkMaven() {
  const probe = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new PrereqError(`Maven (mvn) was not found; it fetches the Kafka broker from Maven Central: ${INSTALL_MAVEN}.`);
  }
}

/** Node 20.19+ is what the workspaces are built and tested with. */
export function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    throw new PrereqError(`Node.js 20.19 or newer is needed, found ${process.versions.node}: install it from https://nodejs.org or with nvm (nvm install 20).`);
  }
}

/**
 * Runs `main` and prints a PrereqError as one line (exit 1) and a bad command-line option as one
 * line (exit 2). Anything else is a real bug and keeps its stack.
 */
export async function runMain(main) {
  try {
    await main();
  } catch (error) {
    if (error instanceof PrereqError) {
      console.error(`error: ${error.message}`);
      process.exit(1);
    }
    if (error instanceof UsageError) {
      console.error(`error: ${error.message} (see --help)`);
      process.exit(2);
    }
    if (typeof error?.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS_')) {
      console.error(`error: ${error.message.split('\n')[0]} (see --help)`);
      process.exit(2);
    }
    throw error;
  }
}
