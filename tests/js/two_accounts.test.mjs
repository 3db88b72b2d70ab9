// End-to-end test of ramd with the AWS SDK for JavaScript v3: two accounts share resources by
// invitation, with every list walked through the SDK's own paginators. Starts its own ramd (SigV4
// mode, fresh data directory, free loopback port) from $RAMD_BIN (default target/debug/ramd under
// the repository root). Run it with tests/js/run.sh.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import {
  AcceptResourceShareInvitationCommand,
  CreateResourceShareCommand,
  DeleteResourceShareCommand,
  GetResourceShareAssociationsCommand,
  GetResourceSharesCommand,
  RAMClient,
  paginateGetResourceShareInvitations,
  paginateGetResourceShares,
  paginateListPrincipals,
  paginateListResources,
} from "@aws-sdk/client-ram";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const RAMD_BIN = path.resolve(REPO_ROOT, process.env.RAMD_BIN || "target/debug/ramd");
const REGION = "us-east-1";
const ACCOUNT_A = "111111111111";
const ACCOUNT_B = "222222222222";
const SHARES = 5;
const PAGE = 2;

// Keep any AWS configuration of the machine (profiles, AWS_* settings) out of the SDK clients.
const work = mkdtempSync(path.join(os.tmpdir(), "ramd-js-e2e-"));
for (const name of Object.keys(process.env)) {
  if (name.startsWith("AWS_") && name !== "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED") {
    delete process.env[name];
  }
}
writeFileSync(path.join(work, "aws-config"), "");
process.env.AWS_CONFIG_FILE = path.join(work, "aws-config");
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(work, "aws-config");
process.env.AWS_EC2_METADATA_DISABLED = "true";

// ramd's children get the environment without RAMD_* (so only the flags given here count).
const childEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith("RAMD_")),
);
childEnv.NO_COLOR = "1";

const dataDir = path.join(work, "data");
let server; // the ramd child process
let serverStderr = "";
let failed = false;
let clientA;
let clientB;

// Transit gateways can be shared outside an organization (subnets cannot: checked below).
const tgwId = (i) => `tgw-0123456789abcdef${i.toString(16)}`; // tgw- + 17 hex digits
const tgwArn = (i) => `arn:aws:ec2:${REGION}:${ACCOUNT_A}:transit-gateway/${tgwId(i)}`;
const shareName = (i) => `js-sdk-share-${i}`;
const shareTags = (i) => [
  { key: "suite", value: "js-sdk" },
  { key: "index", value: String(i) },
];

/** The shares A made, by name: { arn, index }. */
const created = new Map();
/** B's invitations, by share ARN. */
const invitations = new Map();

async function createAccount(accountId) {
  const { stdout } = await promisify(execFile)(
    RAMD_BIN,
    ["accounts", "create", "--data-dir", dataDir, "--account-id", accountId],
    { env: childEnv, timeout: 30_000 },
  );
  const creds = JSON.parse(stdout);
  assert.equal(creds.accountId, accountId);
  assert.match(creds.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
  assert.equal(typeof creds.secretAccessKey, "string");
  return creds;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer() {
  const port = await freePort();
  const args = ["serve", "--data-dir", dataDir, "--listen", `127.0.0.1:${port}`, "--throttle", "off"];
  server = spawn(RAMD_BIN, args, { env: childEnv, stdio: ["ignore", "ignore", "pipe"] });
  server.stderr.setEncoding("utf8");
  server.stderr.on("data", (chunk) => {
    serverStderr += chunk;
  });
  server.exited = new Promise((resolve) => {
    server.once("exit", resolve);
    server.once("error", (err) => {
      serverStderr += `could not run ${RAMD_BIN}: ${err.message}\n`;
      resolve();
    });
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`ramd exited before listening (${server.exitCode ?? server.signalCode}):\n${serverStderr}`);
    }
    if (await canConnect(port)) return port;
    await sleep(25);
  }
  throw new Error(`ramd did not listen on 127.0.0.1:${port} within 15 s`);
}

async function stopServer() {
  if (!server) return;
  if (server.exitCode === null && server.signalCode === null) {
    server.kill("SIGTERM");
    const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
    await server.exited;
    clearTimeout(timer);
  }
}

/** A test step of the scenario: skipped once an earlier step failed (each builds on the last). */
function step(name, fn) {
  test(name, async (t) => {
    if (failed) {
      t.skip("an earlier step failed");
      return;
    }
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      throw err;
    }
  });
}

/** Every page of an SDK paginator: [pages, items]. */
async function walk(paginator, key) {
  const pages = [];
  for await (const page of paginator) {
    assert.equal(page.$metadata.httpStatusCode, 200);
    assert.ok(Array.isArray(page[key]), `page without ${key}: ${JSON.stringify(page)}`);
    pages.push(page[key]);
  }
  return [pages, pages.flat()];
}

/** Polls `read` until `done(value)` holds (clients poll RAM: no SDK has RAM waiters). */
async function until(read, done, what) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

const sorted = (values) => [...values].sort();
// Tags are a set: their order in an answer is not part of the API.
const byKey = (tags) => [...(tags ?? [])].sort((x, y) => x.key.localeCompare(y.key));
const isDate = (d) => d instanceof Date && !Number.isNaN(d.getTime());

describe("two accounts share by invitation through the JavaScript SDK v3", () => {
  before(async () => {
    try {
      assert.ok(existsSync(RAMD_BIN), `ramd binary not found at ${RAMD_BIN}: build it (cargo build -p ramd) or set RAMD_BIN`);
      const credsA = await createAccount(ACCOUNT_A);
      const credsB = await createAccount(ACCOUNT_B);
      const port = await startServer();
      const client = ({ accessKeyId, secretAccessKey }) =>
        new RAMClient({
          region: REGION,
          endpoint: `http://127.0.0.1:${port}`,
          credentials: { accessKeyId, secretAccessKey },
          maxAttempts: 1, // no silent retry over a server error
        });
      clientA = client(credsA);
      clientB = client(credsB);
    } catch (err) {
      failed = true;
      throw err;
    }
  });

  after(async () => {
    clientA?.destroy();
    clientB?.destroy();
    await stopServer();
    if (failed || (server && server.exitCode !== 0)) {
      process.stderr.write(
        `\n--- ramd stderr (exit ${server?.exitCode ?? server?.signalCode}) ---\n${serverStderr}--- end of ramd stderr ---\n`,
      );
    }
    rmSync(work, { recursive: true, force: true });
    if (server && !failed) assert.equal(server.exitCode, 0, "ramd's exit status after SIGTERM");
  });

  step("a subnet cannot be shared with an account outside the organization", async () => {
    const subnet = `arn:aws:ec2:${REGION}:${ACCOUNT_A}:subnet/subnet-0123456789abcdef0`;
    await assert.rejects(
      clientA.send(
        new CreateResourceShareCommand({ name: "subnets", resourceArns: [subnet], principals: [ACCOUNT_B] }),
      ),
      (err) => {
        assert.equal(err.name, "InvalidParameterException");
        assert.equal(err.$metadata.httpStatusCode, 400);
        assert.match(err.message, /can only be shared within your AWS Organization/);
        return true;
      },
    );
  });

  step(`A creates ${SHARES} shares with B as principal`, async () => {
    for (let i = 0; i < SHARES; i++) {
      const out = await clientA.send(
        new CreateResourceShareCommand({
          name: shareName(i),
          resourceArns: [tgwArn(i)],
          principals: [ACCOUNT_B],
          tags: shareTags(i),
        }),
      );
      assert.equal(out.$metadata.httpStatusCode, 200);
      const share = out.resourceShare;
      assert.match(
        share.resourceShareArn,
        /^arn:aws:ram:us-east-1:111111111111:resource-share\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      assert.equal(share.name, shareName(i));
      assert.equal(share.owningAccountId, ACCOUNT_A);
      assert.equal(share.allowExternalPrincipals, true);
      assert.equal(share.status, "ACTIVE");
      assert.deepEqual(byKey(share.tags), byKey(shareTags(i)));
      assert.ok(isDate(share.creationTime) && isDate(share.lastUpdatedTime));
      created.set(share.name, { arn: share.resourceShareArn, index: i });
    }
    assert.equal(new Set([...created.values()].map((s) => s.arn)).size, SHARES);
  });

  step("B's principal association waits for the invitation (ASSOCIATING, external)", async () => {
    for (const { arn, index } of created.values()) {
      const principals = await clientA.send(
        new GetResourceShareAssociationsCommand({ associationType: "PRINCIPAL", resourceShareArns: [arn] }),
      );
      assert.equal(principals.resourceShareAssociations.length, 1);
      const [p] = principals.resourceShareAssociations;
      assert.equal(p.associatedEntity, ACCOUNT_B);
      assert.equal(p.associationType, "PRINCIPAL");
      assert.equal(p.status, "ASSOCIATING");
      assert.equal(p.external, true);
      assert.equal(p.resourceShareName, shareName(index));

      const resources = await until(
        () =>
          clientA.send(
            new GetResourceShareAssociationsCommand({ associationType: "RESOURCE", resourceShareArns: [arn] }),
          ),
        (r) => r.resourceShareAssociations.every((a) => a.status === "ASSOCIATED"),
        "resource association",
      );
      assert.deepEqual(
        resources.resourceShareAssociations.map((a) => a.associatedEntity),
        [tgwArn(index)],
      );
    }
  });

  step("B is not shown a pending share by GetResourceShares", async () => {
    const [, shares] = await walk(
      paginateGetResourceShares({ client: clientB, pageSize: PAGE }, { resourceOwner: "OTHER-ACCOUNTS" }),
      "resourceShares",
    );
    assert.deepEqual(shares, []);
  });

  step(`B walks its ${SHARES} PENDING invitations ${PAGE} a page`, async () => {
    const [pages, items] = await walk(
      paginateGetResourceShareInvitations({ client: clientB, pageSize: PAGE }, {}),
      "resourceShareInvitations",
    );
    assert.ok(pages.length >= Math.ceil(SHARES / PAGE), `only ${pages.length} page(s)`);
    for (const page of pages) assert.ok(page.length <= PAGE, `a page of ${page.length}`);
    assert.equal(items.length, SHARES);
    assert.deepEqual(
      sorted(items.map((inv) => inv.resourceShareArn)),
      sorted([...created.values()].map((s) => s.arn)),
    );
    for (const inv of items) {
      assert.match(
        inv.resourceShareInvitationArn,
        /^arn:aws:ram:us-east-1:111111111111:resource-share-invitation\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      assert.equal(inv.senderAccountId, ACCOUNT_A);
      assert.equal(inv.receiverAccountId, ACCOUNT_B);
      assert.equal(inv.status, "PENDING");
      assert.equal(created.get(inv.resourceShareName)?.arn, inv.resourceShareArn);
      assert.ok(isDate(inv.invitationTimestamp));
      invitations.set(inv.resourceShareArn, inv);
    }
    assert.equal(new Set(items.map((inv) => inv.resourceShareInvitationArn)).size, SHARES);
  });

  step("B accepts each invitation", async () => {
    for (const inv of invitations.values()) {
      const out = await clientB.send(
        new AcceptResourceShareInvitationCommand({ resourceShareInvitationArn: inv.resourceShareInvitationArn }),
      );
      assert.equal(out.$metadata.httpStatusCode, 200);
      const accepted = out.resourceShareInvitation;
      assert.equal(accepted.resourceShareInvitationArn, inv.resourceShareInvitationArn);
      assert.equal(accepted.resourceShareArn, inv.resourceShareArn);
      assert.equal(accepted.senderAccountId, ACCOUNT_A);
      assert.equal(accepted.receiverAccountId, ACCOUNT_B);
      assert.equal(accepted.status, "ACCEPTED");
    }
    const [, items] = await walk(
      paginateGetResourceShareInvitations({ client: clientB, pageSize: PAGE }, {}),
      "resourceShareInvitations",
    );
    assert.equal(items.length, SHARES);
    assert.deepEqual(
      items.map((inv) => inv.status),
      Array(SHARES).fill("ACCEPTED"),
    );
    // The owner then sees B associated.
    for (const { arn } of created.values()) {
      await until(
        () =>
          clientA.send(
            new GetResourceShareAssociationsCommand({ associationType: "PRINCIPAL", resourceShareArns: [arn] }),
          ),
        (r) =>
          r.resourceShareAssociations.length === 1 &&
          r.resourceShareAssociations[0].associatedEntity === ACCOUNT_B &&
          r.resourceShareAssociations[0].status === "ASSOCIATED",
        "principal association after acceptance",
      );
    }
  });

  step(`A walks its shares (SELF) ${PAGE} a page: all ${SHARES} ACTIVE`, async () => {
    const [pages, shares] = await walk(
      paginateGetResourceShares({ client: clientA, pageSize: PAGE }, { resourceOwner: "SELF" }),
      "resourceShares",
    );
    assert.ok(pages.length >= Math.ceil(SHARES / PAGE), `only ${pages.length} page(s)`);
    for (const page of pages) assert.ok(page.length <= PAGE, `a page of ${page.length}`);
    assert.deepEqual(sorted(shares.map((s) => s.name)), sorted(created.keys()));
    for (const share of shares) {
      const { arn, index } = created.get(share.name);
      assert.equal(share.resourceShareArn, arn);
      assert.equal(share.owningAccountId, ACCOUNT_A);
      assert.equal(share.status, "ACTIVE");
      assert.equal(share.allowExternalPrincipals, true);
      assert.equal(share.featureSet, "STANDARD");
      assert.deepEqual(byKey(share.tags), byKey(shareTags(index)));
    }
  });

  step("A's principals (SELF) are B, once per share", async () => {
    const [pages, principals] = await walk(
      paginateListPrincipals({ client: clientA, pageSize: PAGE }, { resourceOwner: "SELF" }),
      "principals",
    );
    assert.ok(pages.length >= Math.ceil(SHARES / PAGE), `only ${pages.length} page(s)`);
    assert.equal(principals.length, SHARES);
    for (const p of principals) {
      assert.equal(p.id, ACCOUNT_B);
      assert.equal(p.external, true);
    }
    assert.deepEqual(
      sorted(principals.map((p) => p.resourceShareArn)),
      sorted([...created.values()].map((s) => s.arn)),
    );
  });

  step(`B walks the shares of other accounts: all ${SHARES}, owned by A`, async () => {
    const [pages, shares] = await walk(
      paginateGetResourceShares({ client: clientB, pageSize: PAGE }, { resourceOwner: "OTHER-ACCOUNTS" }),
      "resourceShares",
    );
    assert.ok(pages.length >= Math.ceil(SHARES / PAGE), `only ${pages.length} page(s)`);
    assert.deepEqual(
      sorted(shares.map((s) => s.resourceShareArn)),
      sorted([...created.values()].map((s) => s.arn)),
    );
    for (const share of shares) {
      assert.equal(created.get(share.name)?.arn, share.resourceShareArn);
      assert.equal(share.owningAccountId, ACCOUNT_A);
      assert.equal(share.status, "ACTIVE");
    }
  });

  step("B walks the resources shared with it: the transit gateways", async () => {
    const [pages, resources] = await walk(
      paginateListResources({ client: clientB, pageSize: PAGE }, { resourceOwner: "OTHER-ACCOUNTS" }),
      "resources",
    );
    assert.ok(pages.length >= Math.ceil(SHARES / PAGE), `only ${pages.length} page(s)`);
    assert.deepEqual(
      sorted(resources.map((r) => r.arn)),
      sorted([...Array(SHARES).keys()].map(tgwArn)),
    );
    for (const r of resources) {
      const { arn, index } = [...created.values()].find((s) => s.arn === r.resourceShareArn);
      assert.equal(r.resourceShareArn, arn);
      assert.equal(r.arn, tgwArn(index));
      assert.equal(r.type, "ec2:TransitGateway");
      assert.equal(r.status, "AVAILABLE");
      assert.equal(r.resourceRegionScope, "REGIONAL");
    }
  });

  step("B cannot delete A's share", async () => {
    const { arn } = created.get(shareName(0));
    await assert.rejects(clientB.send(new DeleteResourceShareCommand({ resourceShareArn: arn })), (err) => {
      assert.equal(err.name, "UnknownResourceException");
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.message, `ResourceShare ${arn} could not be found.`);
      return true;
    });
    const out = await clientA.send(new GetResourceSharesCommand({ resourceOwner: "SELF", resourceShareArns: [arn] }));
    assert.deepEqual(
      out.resourceShares.map((s) => [s.resourceShareArn, s.status]),
      [[arn, "ACTIVE"]],
    );
  });

  step("A deletes each share", async () => {
    for (const { arn } of created.values()) {
      const out = await clientA.send(new DeleteResourceShareCommand({ resourceShareArn: arn }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.equal(out.returnValue, true);
    }
  });

  step("A lists them as DELETED; B no longer sees any share or resource", async () => {
    const deleted = await until(
      async () =>
        (
          await walk(
            paginateGetResourceShares(
              { client: clientA, pageSize: PAGE },
              { resourceOwner: "SELF", resourceShareStatus: "DELETED" },
            ),
            "resourceShares",
          )
        )[1],
      (shares) => shares.length === SHARES,
      "A's DELETED shares",
    );
    assert.deepEqual(sorted(deleted.map((s) => s.name)), sorted(created.keys()));
    for (const share of deleted) {
      assert.equal(share.resourceShareArn, created.get(share.name).arn);
      assert.equal(share.status, "DELETED");
    }

    const [, active] = await walk(
      paginateGetResourceShares(
        { client: clientB, pageSize: PAGE },
        { resourceOwner: "OTHER-ACCOUNTS", resourceShareStatus: "ACTIVE" },
      ),
      "resourceShares",
    );
    assert.deepEqual(active, []);
    const [, resources] = await walk(
      paginateListResources({ client: clientB, pageSize: PAGE }, { resourceOwner: "OTHER-ACCOUNTS" }),
      "resources",
    );
    assert.deepEqual(resources, []);
  });
});
