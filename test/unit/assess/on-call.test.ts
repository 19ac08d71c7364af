// On-call windows in the city's zone, the escalation ladder, the city-zone clock of the pages and the .ics file.
import { expect } from "chai";
import { ladder, localClock, onCallAt } from "../../../src/assess/on-call.js";
import { toldMessage } from "../../../src/assess/on-call-text.js";
import { clock, fromCityWallClock, setZone, when } from "../../../src/web/app/zone.js";
import { bookingIcs } from "../../../src/web/app/ics.js";

describe("on-call hours and the crisis ladder", () => {
  const tz = "Asia/Shanghai";
  // 2026-12-02 is a Wednesday; 01:30Z = 09:30 in Shanghai.
  const wed0930 = new Date("2026-12-02T01:30:00Z");

  it("reads the weekday and minute in the deployment's zone, not the machine's", () => {
    expect(localClock(wed0930, tz)).to.deep.equal({ day: "wed", minute: 9 * 60 + 30 });
    expect(localClock(wed0930, "America/New_York")).to.deep.equal({ day: "tue", minute: 20 * 60 + 30 });
  });

  it("matches day windows, overnight windows and the whole-day 00:00–00:00", () => {
    expect(onCallAt([{ day: "wed", from: "09:00", to: "17:00" }], wed0930, tz)).to.equal(true);
    expect(onCallAt([{ day: "wed", from: "10:00", to: "17:00" }], wed0930, tz)).to.equal(false);
    expect(onCallAt([{ day: "thu", from: "09:00", to: "17:00" }], wed0930, tz)).to.equal(false);
    // Tuesday 22:00 → Wednesday 10:00 covers Wednesday 09:30, not Wednesday 10:30.
    expect(onCallAt([{ day: "tue", from: "22:00", to: "10:00" }], wed0930, tz)).to.equal(true);
    expect(onCallAt([{ day: "tue", from: "22:00", to: "10:00" }], new Date("2026-12-02T02:30:00Z"), tz)).to.equal(false);
    expect(onCallAt([{ day: "wed", from: "00:00", to: "00:00" }], wed0930, tz)).to.equal(true);
    expect(onCallAt([], wed0930, tz)).to.equal(false);
  });

  it("climbs each on-duty counselor in turn, then the fallback together, then the crisis line", () => {
    expect(ladder(["0xa", "0xb"], ["0xf", "0xa"])).to.deep.equal([
      { tier: "on_call", counselors: ["0xa"] },
      { tier: "on_call", counselors: ["0xb"] },
      { tier: "fallback", counselors: ["0xf"] },
      { tier: "crisis_line", counselors: [] },
    ]);
    // Nobody on call: the fallback first; already told counselors are not rungs again.
    expect(ladder([], ["0xf"], ["0xf"])).to.deep.equal([{ tier: "crisis_line", counselors: [] }]);
    expect(ladder(["0xa"], [], ["0xa"])[0]).to.deep.equal({ tier: "crisis_line", counselors: [] });
    expect(toldMessage("on_call", "zh", "12356")).to.equal("值班咨询师已收到，会尽快联系您。");
    expect(toldMessage("crisis_line", "zh", "021-1")).to.include("021-1");
  });

  it("shows and reads times in the city's zone on any device (no '22:00 – 14:50')", () => {
    setZone(tz);
    expect(when("2026-12-02T02:00:00Z", "zh-CN")).to.equal("2026年12月2日 10:00");
    expect(clock("2026-12-02T02:50:00Z")).to.equal("10:50");
    expect(fromCityWallClock("2026-12-02T10:00")).to.equal("2026-12-02T02:00:00.000Z");
    setZone("Europe/Berlin");
    expect(fromCityWallClock("2026-07-01T10:00")).to.equal("2026-07-01T08:00:00.000Z"); // summer time
    setZone(tz);
  });

  it("writes an RFC 5545 event in UTC with CRLF lines and escaped text", () => {
    const ics = bookingIcs({ bookingId: "ab12", start: "2026-12-02T02:00:00.000Z", end: "2026-12-02T02:50:00.000Z", summary: "安心：预约", description: "a, b; c" }, new Date("2026-12-01T00:00:00Z"));
    expect(ics.split("\r\n")).to.include.members(["DTSTART:20261202T020000Z", "DTEND:20261202T025000Z", "UID:ab12@anxin", "DESCRIPTION:a\\, b\\; c", "DTSTAMP:20261201T000000Z"]);
    expect(ics.startsWith("BEGIN:VCALENDAR\r\n")).to.equal(true);
  });
});
