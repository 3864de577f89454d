// Makes docs/examples/harbour.jpg, the picture the README's walk-through uploads: a harbour at
// dawn drawn from simple shapes, with the photographer, copyright notice, usage terms and alt
// text embedded as XMP (the caption and credit are sent with the upload instead).
//   node docs/examples/make-harbour.mjs
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'

const WIDTH = 640
const HEIGHT = 400

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#27406b"/><stop offset="0.6" stop-color="#e9a46a"/><stop offset="1" stop-color="#f7d9a0"/>
    </linearGradient>
    <linearGradient id="sea" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#3b6f8f"/><stop offset="1" stop-color="#12324a"/>
    </linearGradient>
  </defs>
  <rect width="${WIDTH}" height="250" fill="url(#sky)"/>
  <circle cx="470" cy="238" r="46" fill="#fbe3a1"/>
  <path d="M0 250 L0 190 L70 175 L140 195 L220 170 L300 200 L300 250 Z" fill="#3c4a5c"/>
  <rect y="250" width="${WIDTH}" height="150" fill="url(#sea)"/>
  <g fill="#f4f1ea" opacity="0.35">
    <rect x="380" y="262" width="180" height="3"/><rect x="410" y="280" width="120" height="3"/><rect x="440" y="298" width="60" height="3"/>
  </g>
  <rect x="0" y="300" width="250" height="30" fill="#6b6258"/>
  <rect x="0" y="330" width="250" height="70" fill="#4d463f"/>
  <g transform="translate(250 268)">
    <path d="M0 22 L230 22 L205 52 L20 52 Z" fill="#f4f1ea"/>
    <rect x="40" y="2" width="130" height="20" fill="#f4f1ea"/>
    <rect x="70" y="-16" width="60" height="18" fill="#f4f1ea"/>
    <rect x="95" y="-34" width="14" height="20" fill="#c0392b"/>
    <g fill="#27406b"><rect x="50" y="8" width="12" height="8"/><rect x="70" y="8" width="12" height="8"/><rect x="90" y="8" width="12" height="8"/><rect x="110" y="8" width="12" height="8"/><rect x="130" y="8" width="12" height="8"/><rect x="150" y="8" width="12" height="8"/></g>
    <rect x="0" y="34" width="222" height="5" fill="#c0392b"/>
  </g>
  <rect x="228" y="240" width="6" height="62" fill="#2b2b2b"/>
  <circle cx="231" cy="238" r="6" fill="#c0392b"/>
</svg>`

const xmp = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
    xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">
   <dc:creator><rdf:Seq><rdf:li>Marta Quiroga</rdf:li></rdf:Seq></dc:creator>
   <dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© Newsroom CMS sample, free to use in tests and demos</rdf:li></rdf:Alt></dc:rights>
   <xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang="x-default">Free for any use</rdf:li></rdf:Alt></xmpRights:UsageTerms>
   <Iptc4xmpCore:AltTextAccessibility><rdf:Alt><rdf:li xml:lang="x-default">A white ferry with a red stripe at a stone quay, the sun low over a calm sea</rdf:li></rdf:Alt></Iptc4xmpCore:AltTextAccessibility>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`

const out = fileURLToPath(new URL('harbour.jpg', import.meta.url))
const info = await sharp(Buffer.from(svg)).jpeg({ quality: 80, mozjpeg: true }).withXmp(xmp).toFile(out)
console.log(`${out}: ${info.width}×${info.height}, ${info.size} bytes`)
