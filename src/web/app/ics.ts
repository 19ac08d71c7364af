// An iCalendar (RFC 5545) file for one booking: times in UTC ("Z"), so every calendar app shows the same instant
// in its own zone; the page itself shows the city's zone. Lines are CRLF-terminated and text is escaped.
const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/([,;])/g, "\\$1");
const stamp = (iso: string) => new Date(iso).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

export function bookingIcs(b: { bookingId: string; start: string; end: string; summary: string; description: string }, now = new Date()): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Anxin//booking//ZH",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "BEGIN:VEVENT",
    `UID:${b.bookingId}@anxin`,
    `DTSTAMP:${stamp(now.toISOString())}`,
    `DTSTART:${stamp(b.start)}`,
    `DTEND:${stamp(b.end)}`,
    `SUMMARY:${esc(b.summary)}`,
    `DESCRIPTION:${esc(b.description)}`,
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    "TRIGGER:-PT1H",
    `DESCRIPTION:${esc(b.summary)}`,
    "END:VALARM",
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}
