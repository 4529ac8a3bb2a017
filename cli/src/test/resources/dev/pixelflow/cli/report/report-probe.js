// Added by ReportBrowserIT to a copy of the report, never to the report itself: records on <body> whether every
// picture decoded (data-images-loaded="n/m") and where the chart and the grid are, since a broken report looks
// fine in its HTML and only a browser shows the gaps.
(function () {
  var imgs = Array.prototype.slice.call(document.images);
  function rect(id) {
    var e = document.getElementById(id);
    if (!e) { return ''; }
    var r = e.getBoundingClientRect();
    return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height].map(Math.round).join(',');
  }
  function update() {
    var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
    document.body.dataset.imagesLoaded = ok + '/' + imgs.length;
    document.body.dataset.chartRect = rect('history-chart');
    document.body.dataset.gridRect = rect('image-grid');
  }
  imgs.forEach(function (i) { i.addEventListener('load', update); i.addEventListener('error', update); });
  window.addEventListener('load', update);
  update();
})();
