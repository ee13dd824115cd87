//! Line charts written as PNG (plotters' bitmap backend): the examples' learning curves
//! and reconstructions.
//!
//! Text needs a TrueType font, read at run time from `$OPTNET_FONT` or a few usual system
//! paths; on a machine with none of them the chart is drawn without text.

use plotters::prelude::*;
use std::error::Error;
use std::path::Path;
use std::sync::OnceLock;

/// One line of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// Points, drawn joined in order.
    pub points: Vec<(f64, f64)>,
    /// Line width in pixels.
    pub width: u32,
    /// Colour as RGB; `None` takes the palette's colour for the line's place.
    pub rgb: Option<(u8, u8, u8)>,
}

impl Series {
    /// A line of width 2.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Series {
        Series {
            name: name.into(),
            points,
            width: 2,
            rgb: None,
        }
    }

    /// The same line with width `width`.
    pub fn width(mut self, width: u32) -> Series {
        self.width = width;
        self
    }

    /// The same line in colour (r, g, b).
    pub fn rgb(mut self, r: u8, g: u8, b: u8) -> Series {
        self.rgb = Some((r, g, b));
        self
    }
}

/// One chart: a title, axis names and its lines.
#[derive(Clone, Debug)]
pub struct Panel {
    /// Caption above the chart.
    pub title: String,
    /// Name of the horizontal axis.
    pub x_label: String,
    /// Name of the vertical axis.
    pub y_label: String,
    /// The lines, coloured in order from a fixed palette.
    pub series: Vec<Series>,
}

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(90, 90, 90),
];

const FONT_PATHS: [&str; 6] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// Registers a font as "sans-serif" once; whether one was found.
fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        let from_env = std::env::var("OPTNET_FONT").ok();
        let candidates = from_env.iter().map(String::as_str).chain(FONT_PATHS);
        for path in candidates {
            if let Ok(bytes) = std::fs::read(path) {
                // plotters keeps fonts for the whole run: leak the bytes once.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return true;
                }
            }
        }
        false
    })
}

/// The data's bounding box with a 5% margin (and a unit one around a single value).
fn bounds(panel: &Panel) -> (f64, f64, f64, f64) {
    let pts = || panel.series.iter().flat_map(|s| s.points.iter());
    let fold = |f: fn(&(f64, f64)) -> f64| {
        pts()
            .map(f)
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    };
    let pad = |(lo, hi): (f64, f64)| {
        if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            (lo - 1.0, hi + 1.0)
        } else {
            let m = 0.05 * (hi - lo);
            (lo - m, hi + m)
        }
    };
    let (x0, x1) = pad(fold(|p| p.0));
    let (y0, y1) = pad(fold(|p| p.1));
    (x0, x1, y0, y1)
}

/// Draws `panels` side by side into a PNG of `size` pixels at `path`.
pub fn save_png(path: &Path, size: (u32, u32), panels: &[Panel]) -> Result<(), Box<dyn Error>> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let text = font_ready();
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, panels.len().max(1)));
    for (area, panel) in areas.iter().zip(panels) {
        let (x0, x1, y0, y1) = bounds(panel);
        let mut builder = ChartBuilder::on(area);
        builder.margin(14);
        if text {
            builder
                .caption(&panel.title, ("sans-serif", 22))
                .x_label_area_size(40)
                .y_label_area_size(64);
        }
        let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1)?;
        let mut mesh = chart.configure_mesh();
        mesh.light_line_style(RGBColor(235, 235, 235));
        if text {
            mesh.x_desc(panel.x_label.as_str())
                .y_desc(panel.y_label.as_str())
                .label_style(("sans-serif", 14));
        } else {
            mesh.x_labels(0).y_labels(0);
        }
        mesh.draw()?;
        for (i, s) in panel.series.iter().enumerate() {
            let color = s
                .rgb
                .map_or(COLORS[i % COLORS.len()], |(r, g, b)| RGBColor(r, g, b));
            let style = color.stroke_width(s.width);
            let drawn = chart.draw_series(LineSeries::new(s.points.iter().copied(), style))?;
            if text {
                drawn
                    .label(s.name.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
            }
        }
        if text {
            chart
                .configure_series_labels()
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}
