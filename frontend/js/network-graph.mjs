// Draws the link graph from the page's JSON data block. The table beside it holds the same
// data, so the page is complete without JavaScript and prints without the graph.
import cytoscape from "./cytoscape.esm.min.mjs";

const data = document.getElementById("graph-data");
const container = document.getElementById("graph");

if (data && container) {
  const elements = JSON.parse(data.textContent);
  container.hidden = false;
  cytoscape({
    container,
    elements,
    wheelSensitivity: 0.3,
    layout: { name: elements.nodes.length > 300 ? "grid" : "cose", animate: false },
    style: [
      {
        selector: "node",
        style: {
          label: "data(label)",
          "font-size": 10,
          "text-wrap": "ellipsis",
          "text-max-width": 120,
          "background-color": "#505a5f",
          width: 18,
          height: 18,
        },
      },
      { selector: "node[role = 'child']", style: { "background-color": "#1d70b8" } },
      { selector: "node[role = 'Victim']", style: { "background-color": "#1d70b8" } },
      { selector: "node[role = 'suspect']", style: { "background-color": "#d4351c", shape: "diamond" } },
      { selector: "node[role = 'Core member']", style: { "background-color": "#942514", shape: "diamond", width: 26, height: 26 } },
      { selector: "node[role = 'Peripheral member']", style: { "background-color": "#f47738", shape: "diamond" } },
      { selector: "node[kind = 'vehicle']", style: { "background-color": "#00703c", shape: "round-rectangle" } },
      { selector: "node[kind = 'phone']", style: { "background-color": "#4c2c92", shape: "round-rectangle" } },
      { selector: "node[kind = 'address'], node[kind = 'location']", style: { "background-color": "#b58840", shape: "triangle" } },
      { selector: "node[kind = 'restricted']", style: { "background-color": "#ffffff", "border-width": 2, "border-color": "#0b0c0c", "border-style": "dashed" } },
      { selector: "edge", style: { width: 1.5, "line-color": "#b1b4b6", label: "data(label)", "font-size": 8 } },
    ],
  });
}
