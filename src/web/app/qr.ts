// QR codes drawn as SVG (uqr's encoder; no inline markup, so the CSP stays strict) and read from the camera
// (getUserMedia + jsQR, all in the page: nothing is uploaded).
import { encode } from "uqr";

type Decode = (data: Uint8ClampedArray, w: number, h: number, o?: { inversionAttempts?: "dontInvert" }) => { data: string } | null;

/** The decoder is loaded only when the camera opens (it is most of the scanner's weight). jsqr is a CommonJS
 *  bundle whose export is `.default`; bundlers differ in whether they unwrap it. */
async function decoder(): Promise<Decode> {
  const m = (await import("jsqr")) as unknown as { default?: Decode | { default?: Decode } };
  const d = m.default as { default?: Decode } | Decode | undefined;
  return (typeof d === "function" ? d : d?.default) as Decode;
}

const SVG = "http://www.w3.org/2000/svg";

/** An SVG of `text` with a 4-module quiet zone; `label` is its accessible name. */
export function qrSvg(text: string, label: string, px = 240): SVGSVGElement {
  const qr = encode(text, { ecc: "M", border: 4 });
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${qr.size} ${qr.size}`);
  svg.setAttribute("width", String(px));
  svg.setAttribute("height", String(px));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.classList.add("qr");
  const bg = document.createElementNS(SVG, "rect");
  bg.setAttribute("width", String(qr.size));
  bg.setAttribute("height", String(qr.size));
  bg.setAttribute("fill", "#fff");
  let d = "";
  qr.data.forEach((row, y) => row.forEach((on, x) => on && (d += `M${x} ${y}h1v1h-1z`)));
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.append(bg, path);
  return svg;
}

export interface Scanner {
  video: HTMLVideoElement;
  stop(): void;
}

/** Opens the back camera into a <video> inside `box` and calls onText for each QR code it sees (~6 times a second). */
export async function startScanner(box: HTMLElement, onText: (text: string) => void): Promise<Scanner> {
  const jsQR = await decoder();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.setAttribute("aria-hidden", "true");
  video.className = "scanner";
  video.srcObject = stream;
  box.replaceChildren(video);
  await video.play();
  const canvas = document.createElement("canvas");
  const g = canvas.getContext("2d", { willReadFrequently: true })!;
  const timer = setInterval(() => {
    if (!video.videoWidth) return;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    g.drawImage(video, 0, 0);
    const img = g.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
    if (found?.data) onText(found.data);
  }, 160);
  return {
    video,
    stop() {
      clearInterval(timer);
      for (const t of stream.getTracks()) t.stop();
      video.srcObject = null;
    },
  };
}
