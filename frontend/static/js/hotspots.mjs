// The hotspot map (SPEC S4). Leaflet (static leaflet/leaflet.js, loaded before this module)
// draws one circle per grid square, sized by its number of incidents. The squares come from
// a json_script element; the tile settings from the map's data- attributes. Without a tile
// URL the circles are drawn on a plain background. The table below the map lists the same
// squares, so the map is an extra, not the only way to read them.
const container = document.getElementById("hotspot-map");
const L = window.L;

if (container && L) {
  const source = document.getElementById(container.dataset.cells);
  const cells = source ? JSON.parse(source.textContent) : [];
  if (cells.length) {
    container.hidden = false;
    const map = L.map(container, { scrollWheelZoom: false });
    const { tileUrl, tileAttribution } = container.dataset;
    if (tileUrl) {
      L.tileLayer(tileUrl, { attribution: tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    const largest = Math.max(...cells.map((cell) => cell.count));
    const bounds = [];
    for (const cell of cells) {
      // Area, not radius, in proportion to the count; never too small to see or click.
      const radius = 4 + 22 * Math.sqrt(cell.count / largest);
      const popup = document.createElement("p");
      popup.className = "govuk-body-s govuk-!-margin-0";
      popup.textContent = cell.label;
      L.circleMarker([cell.lat, cell.lng], {
        radius,
        color: "#1d70b8",
        weight: 2,
        fillColor: "#d4351c",
        fillOpacity: 0.5,
      })
        .bindPopup(popup)
        .addTo(map);
      bounds.push([cell.lat, cell.lng]);
    }
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
  }
}
