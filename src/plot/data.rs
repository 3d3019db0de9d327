//! Reading a run's CSV tables for plotting.

use std::collections::BTreeMap;
use std::path::Path;

use super::PlotError;

/// A CSV table held as named text columns.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub columns: BTreeMap<String, Vec<String>>,
    pub rows: usize,
}

impl Table {
    pub fn read(path: &Path) -> Result<Table, PlotError> {
        let err = |message: String| PlotError::Read {
            path: path.to_path_buf(),
            message,
        };
        let mut reader = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| err(e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut columns: BTreeMap<String, Vec<String>> =
            header.iter().map(|h| (h.clone(), Vec::new())).collect();
        let mut rows = 0;
        for record in reader.records() {
            let record = record.map_err(|e| err(e.to_string()))?;
            for (name, value) in header.iter().zip(record.iter()) {
                columns
                    .get_mut(name)
                    .expect("column exists")
                    .push(value.to_string());
            }
            rows += 1;
        }
        Ok(Table {
            header,
            columns,
            rows,
        })
    }

    /// A column as numbers (blank or unparsable cells are 0).
    pub fn numbers(&self, name: &str) -> Vec<f64> {
        self.columns
            .get(name)
            .map(|c| c.iter().map(|v| v.parse().unwrap_or(0.0)).collect())
            .unwrap_or_else(|| vec![0.0; self.rows])
    }

    pub fn text(&self, name: &str) -> Vec<String> {
        self.columns
            .get(name)
            .cloned()
            .unwrap_or_else(|| vec![String::new(); self.rows])
    }

    pub fn has(&self, name: &str) -> bool {
        self.columns.contains_key(name)
    }
}
