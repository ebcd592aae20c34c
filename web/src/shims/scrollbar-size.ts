// `@rc-component/util`'s scrollbar measurement (used by every antd Table) without the <style>
// element it writes to copy a `::-webkit-scrollbar` rule, which the dashboard's CSP refuses
// (style-src 'self', ADR 0097) with a console error per table. Vite resolves the library's own
// module to this one (web/vite.config.ts). The probe is styled through the CSSOM, which CSP does
// not govern; a custom webkit scrollbar width on the target is read from its computed style.
interface Size {
  width: number;
  height: number;
}

let cached: Size | undefined;

function pixels(value: string): number {
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function measure(target?: Element): Size {
  const probe = document.createElement('div');
  Object.assign(probe.style, {
    position: 'absolute',
    left: '0',
    top: '0',
    width: '100px',
    height: '100px',
    overflow: 'scroll',
  });
  let custom: Size = { width: 0, height: 0 };
  if (target) {
    const style = getComputedStyle(target);
    probe.style.scrollbarColor = style.scrollbarColor;
    probe.style.scrollbarWidth = style.scrollbarWidth;
    const webkit = getComputedStyle(target, '::-webkit-scrollbar');
    custom = { width: pixels(webkit.width), height: pixels(webkit.height) };
  }
  document.body.appendChild(probe);
  const size = {
    width: custom.width || probe.offsetWidth - probe.clientWidth,
    height: custom.height || probe.offsetHeight - probe.clientHeight,
  };
  probe.remove();
  return size;
}

export default function getScrollBarSize(fresh?: boolean): number {
  if (typeof document === 'undefined') return 0;
  if (fresh || cached === undefined) cached = measure();
  return cached.width;
}

export function getTargetScrollBarSize(target: unknown): Size {
  if (typeof document === 'undefined' || !(target instanceof Element)) return { width: 0, height: 0 };
  return measure(target);
}
