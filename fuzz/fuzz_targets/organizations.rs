#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ramd_fuzz::targets::organizations(data));
