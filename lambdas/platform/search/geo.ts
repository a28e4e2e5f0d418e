import type { GeoPoint } from './search-index';

/**
 * Points and distances the way OpenSearch computes them for `geo_point` fields: the port's one
 * value form (`{lat, lon}`, numbers or numeric strings, as OpenSearch's parser coerces them) and
 * the `arc` distance, the haversine on a sphere of the earth's mean radius (Lucene's
 * `SloppyMath.haversinMeters`, OpenSearch's default for distance filters and sorts). Neutral: the
 * embedded index and capabilities that compute distances outside the index (a SQL fallback) use
 * it, so every store measures alike.
 */

/** The earth's mean radius in kilometres (GeoUtils.EARTH_MEAN_RADIUS, 6,371,008.7714 m). */
export const EARTH_MEAN_RADIUS_KM = 6371.0087714;

/** Half the earth's circumference: no two points are further apart. */
export const MAX_EARTH_DISTANCE_KM = Math.PI * EARTH_MEAN_RADIUS_KM;

const toRadians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance in kilometres between two points (haversine). */
export function arcDistanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const x1 = toRadians(lat1);
  const x2 = toRadians(lat2);
  const h1 = 1 - Math.cos(x1 - x2);
  const h2 = 1 - Math.cos(toRadians(lon1 - lon2));
  const h = h1 + Math.cos(x1) * Math.cos(x2) * h2;
  return EARTH_MEAN_RADIUS_KM * 2 * Math.asin(Math.min(1, Math.sqrt(h * 0.5)));
}

/**
 * The smallest latitude/longitude box around every point within `km` of (lat, lon): a cheap
 * pre-filter (an index range) before the exact distance. Near a pole, or when the circle crosses
 * the antimeridian, the longitude range is the whole circle.
 */
export function boundingBox(
  lat: number,
  lon: number,
  km: number,
): { minLat: number; maxLat: number; minLon: number; maxLon: number } {
  const latDelta = (km / EARTH_MEAN_RADIUS_KM) * (180 / Math.PI);
  const minLat = Math.max(-90, lat - latDelta);
  const maxLat = Math.min(90, lat + latDelta);
  if (minLat <= -90 || maxLat >= 90) return { minLat, maxLat, minLon: -180, maxLon: 180 };
  // The widest longitude span is at the latitude of the box furthest from the equator.
  const sinRatio = Math.sin(km / EARTH_MEAN_RADIUS_KM) / Math.cos(toRadians(lat));
  if (sinRatio >= 1) return { minLat, maxLat, minLon: -180, maxLon: 180 };
  const lonDelta = Math.asin(sinRatio) * (180 / Math.PI);
  const minLon = lon - lonDelta;
  const maxLon = lon + lonDelta;
  if (minLon < -180 || maxLon > 180) return { minLat, maxLat, minLon: -180, maxLon: 180 };
  return { minLat, maxLat, minLon, maxLon };
}

/** A `geo_point` value of the port's form, or undefined when OpenSearch's mapper would refuse it. */
export function parseGeoPoint(value: unknown): GeoPoint | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 2 || !keys.includes('lat') || !keys.includes('lon')) return undefined;
  const { lat, lon } = value as { lat: unknown; lon: unknown };
  const latitude = coordinate(lat);
  const longitude = coordinate(lon);
  if (latitude === undefined || longitude === undefined) return undefined;
  if (latitude < -90 || latitude > 90 || longitude < -180 || longitude > 180) return undefined;
  return { lat: latitude, lon: longitude };
}

function coordinate(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value.trim());
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}
