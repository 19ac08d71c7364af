// Hardhat Ignition module for the three Anxin contracts. The embedded start-up path (src/chain) deploys the same
// artifacts with the same constructor arguments: CounselorRegistry(adminDelay, admin), ConsentLedger(registry),
// CheckpointLog(admin, writer).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export default buildModule("Anxin", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const writer = m.getParameter("writer", m.getAccount(0));
  // Seconds a default-admin transfer must wait (two-step admin). Zero suits a dev chain; use days in production.
  const adminDelay = m.getParameter("adminDelay", 0n);

  const registry = m.contract("CounselorRegistry", [adminDelay, admin]);
  const consentLedger = m.contract("ConsentLedger", [registry]);
  const checkpointLog = m.contract("CheckpointLog", [admin, writer]);

  return { registry, consentLedger, checkpointLog };
});
