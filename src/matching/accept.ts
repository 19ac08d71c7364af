// The message a resident signs with their new TREATMENT relationship key to claim a proposal: the page and the
// demo sign it, the matching service verifies it.

export function acceptMessage(proposalId: string, counselor: string): string {
  return `Anxin: accept match ${proposalId} with counselor ${counselor.toLowerCase()}`;
}
