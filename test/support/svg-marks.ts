/** Data marks ECharts tagged in a server-side SVG, per series index: distinct data indices. */
export function svgDataMarks(svg: string): Map<number, number> {
  const seen = new Map<number, Set<string>>();
  for (const m of svg.matchAll(
    /ecmeta_series_index="(\d+)" ecmeta_data_index="(\d+)" ecmeta_ssr_type="chart"/g,
  )) {
    const set = seen.get(Number(m[1])) ?? new Set<string>();
    set.add(m[2]!);
    seen.set(Number(m[1]), set);
  }
  return new Map([...seen].map(([k, v]) => [k, v.size]));
}
