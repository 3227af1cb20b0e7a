//! PNG charts (plotters). Text needs a TrueType font, loaded at run time;
//! without it the charts are drawn without text rather than not at all.

use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::Result;
use crate::hist::Pcts;

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

pub fn font_ok() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| match std::fs::read(FONT) {
        Ok(bytes) => {
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok()
        }
        Err(_) => false,
    })
}

fn err<E: std::fmt::Display>(e: E) -> crate::Error {
    e.to_string().into()
}

pub type Line = (String, Vec<(f64, f64)>);

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

fn bounds(lines: &[Line]) -> (f64, f64, f64) {
    let pts = lines.iter().flat_map(|l| l.1.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (0.0, 1.0, 1.0)
    } else {
        (
            x0,
            if x1 > x0 { x1 } else { x0 + 1.0 },
            if y1 > 0.0 { y1 * 1.1 } else { 1.0 },
        )
    }
}

/// One panel: lines over a linear x and y.
fn panel(area: &Area, title: &str, x_desc: &str, y_desc: &str, lines: &[Line]) -> Result<()> {
    let text = font_ok();
    let (x0, x1, y1) = bounds(lines);
    let mut b = ChartBuilder::on(area);
    b.margin(10)
        .x_label_area_size(if text { 35 } else { 5 })
        .y_label_area_size(if text { 75 } else { 5 });
    if text {
        b.caption(title, ("sans-serif", 18));
    }
    let mut chart = b.build_cartesian_2d(x0..x1, 0f64..y1).map_err(err)?;
    let mut mesh = chart.configure_mesh();
    if text {
        mesh.x_desc(x_desc).y_desc(y_desc);
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw().map_err(err)?;
    for (i, (label, pts)) in lines.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let s = chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
            .map_err(err)?;
        if text {
            s.label(label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        }
    }
    if text && lines.len() > 1 {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

/// Stacked panels sharing the x axis, e.g. a run's time line.
pub fn panels(path: &Path, panels: &[(String, String, String, Vec<Line>)]) -> Result<()> {
    let root =
        BitMapBackend::new(path, (1000, 260 * panels.len().max(1) as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let areas = root.split_evenly((panels.len().max(1), 1));
    for (area, (title, x, y, lines)) in areas.iter().zip(panels) {
        panel(area, title, x, y, lines)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

const PCT_NAMES: [&str; 5] = ["p50", "p90", "p99", "p99.9", "max"];

/// Latency percentiles (log y) for several series.
pub fn percentiles(path: &Path, title: &str, series: &[(String, Pcts)]) -> Result<()> {
    let text = font_ok();
    let root = BitMapBackend::new(path, (1000, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let vals = |p: &Pcts| [p.p50_ms, p.p90_ms, p.p99_ms, p.p999_ms, p.max_ms];
    let all: Vec<f64> = series
        .iter()
        .flat_map(|(_, p)| vals(p))
        .filter(|v| *v > 0.0)
        .collect();
    let lo = all.iter().copied().fold(f64::MAX, f64::min).min(1.0) * 0.8;
    let hi = all.iter().copied().fold(0.0, f64::max).max(lo * 10.0) * 1.3;
    let lo = if lo.is_finite() && lo > 0.0 { lo } else { 0.01 };
    let mut b = ChartBuilder::on(&root);
    b.margin(15)
        .x_label_area_size(if text { 35 } else { 5 })
        .y_label_area_size(if text { 75 } else { 5 });
    if text {
        b.caption(title, ("sans-serif", 20));
    }
    let mut chart = b
        .build_cartesian_2d(-0.2f64..4.2, (lo..hi).log_scale())
        .map_err(err)?;
    let fmt = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 0.01 && (0.0..5.0).contains(&i) {
            PCT_NAMES[i as usize].to_owned()
        } else {
            String::new()
        }
    };
    let mut mesh = chart.configure_mesh();
    if text {
        mesh.x_labels(22)
            .x_label_formatter(&fmt)
            .y_desc("milliseconds (log)")
            .disable_x_mesh();
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw().map_err(err)?;
    for (i, (label, p)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let pts: Vec<(f64, f64)> = vals(p)
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(k, v)| (k as f64, *v))
            .collect();
        let s = chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
            .map_err(err)?;
        if text {
            s.label(label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        }
        chart
            .draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))
            .map_err(err)?;
    }
    if text && !series.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}
