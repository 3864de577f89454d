// Which IP addresses a webhook may reach. An admin chooses the URL, so without this the service
// would POST (and report back on) whatever sits on its own host and network: the cloud metadata
// service, a database port, an admin console. Some ranges are never a receiver; loopback and
// private ones are, on some setups, so WEBHOOK_ALLOW_PRIVATE lets an operator allow those.
import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net'

export interface AddressRule {
  /** Named in the 400 that refuses a URL: "a link-local address". */
  name: string
  /** True when WEBHOOK_ALLOW_PRIVATE=true lifts the rule. */
  private: boolean
}

interface Ranges {
  rule: AddressRule
  v4: [string, number][]
  v6: [string, number][]
}

// First match wins: the metadata addresses sit inside ranges that the private class would
// otherwise allow, and ::1 inside the deprecated ::/96 below.
const RANGES: Ranges[] = [
  {
    // Alibaba Cloud's metadata service lives in the carrier-grade NAT range, AWS's IPv6 one in
    // fc00::/7; 169.254.169.254 (AWS, GCP, Azure, ...) is covered by link-local.
    rule: { name: 'a cloud metadata address', private: false },
    v4: [['100.100.100.200', 32]],
    v6: [['fd00:ec2::254', 128]],
  },
  {
    rule: { name: 'an unspecified address', private: false },
    v4: [['0.0.0.0', 8]],
    v6: [['::', 128]],
  },
  {
    rule: { name: 'a loopback address', private: true },
    v4: [['127.0.0.0', 8]],
    v6: [['::1', 128]],
  },
  {
    rule: { name: 'a link-local address', private: false },
    v4: [['169.254.0.0', 16]],
    v6: [['fe80::', 10]],
  },
  {
    rule: { name: 'a multicast or broadcast address', private: false },
    v4: [['224.0.0.0', 4], ['255.255.255.255', 32]],
    v6: [['ff00::', 8]],
  },
  {
    // Never a receiver on any network: reserved for future use, protocol assignments,
    // documentation examples, discard-only, and the deprecated IPv4-compatible and site-local forms.
    rule: { name: 'a reserved address', private: false },
    v4: [['240.0.0.0', 4], ['192.0.0.0', 24], ['192.0.2.0', 24], ['198.51.100.0', 24], ['203.0.113.0', 24]],
    v6: [['2001:db8::', 32], ['100::', 64], ['::', 96], ['fec0::', 10]],
  },
  {
    // Carrier-grade NAT (100.64/10) and benchmarking (198.18/15) space are private in practice:
    // VPN overlays and fake-IP DNS proxies hand them out to hosts of the operator's own network.
    rule: { name: 'a private address', private: true },
    v4: [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['198.18.0.0', 15]],
    v6: [['fc00::', 7], ['64:ff9b:1::', 48]],
  },
]

const LISTS = RANGES.map(({ rule, v4, v6 }) => {
  const list = new BlockList()
  for (const [network, prefix] of v4) list.addSubnet(network, prefix, 'ipv4')
  for (const [network, prefix] of v6) list.addSubnet(network, prefix, 'ipv6')
  return { rule, list }
})

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tails included). */
function groups(address: string): number[] {
  let text = address
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1]!.split('.').map(Number)
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)))
  const left = parse(head)
  if (tail === undefined) return left
  const right = parse(tail)
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right]
}

/**
 * The IPv4 address an IPv6 one carries and reaches: IPv4-mapped (::ffff:a.b.c.d), NAT64's
 * well-known prefix (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::). Null for any other.
 */
function embeddedIPv4(address: string): string | null {
  const g = groups(address)
  const quad = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
  const zeros = (from: number, to: number) => g.slice(from, to).every((group) => group === 0)
  if (zeros(0, 5) && g[5] === 0xffff) return quad(g[6]!, g[7]!)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return quad(g[6]!, g[7]!)
  if (g[0] === 0x2002) return quad(g[1]!, g[2]!)
  return null
}

/** The address a URL's host spells (IPv6 without its brackets), or null when the host is a name. */
export function ipLiteral(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
  return isIP(bare) === 0 ? null : bare
}

/** The rule that refuses the IP address `ip`, or null when it may be reached. */
export function refusingRule(ip: string, allowPrivate: boolean): AddressRule | null {
  const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : null
  // Not an address at all: a caller's mistake, and never something to connect to.
  if (family === null) return { name: 'not an IP address', private: false }
  if (family === 'ipv6') {
    const inner = embeddedIPv4(ip)
    if (inner !== null) {
      const rule = refusingRule(inner, allowPrivate)
      if (rule !== null) return rule
    }
  }
  for (const { rule, list } of LISTS) {
    if (!list.check(ip, family)) continue
    if (rule.private && allowPrivate) return null
    return rule
  }
  return null
}

/** `localhost` and its subdomains are loopback by definition (RFC 6761), whatever DNS says. */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '')
  return name === 'localhost' || name.endsWith('.localhost')
}

// The ports fetch refuses ("bad ports"), the list webhooks have always honoured: POSTing JSON at
// a mail, FTP or IRC server is a cross-protocol attack, never a delivery.
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111,
  113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548,
  554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566,
  6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
])

export function isBadPort(port: number): boolean {
  return BAD_PORTS.has(port)
}
