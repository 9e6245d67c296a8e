"""Sellers' marketing: strategies composed of segmentation, product selection, channel,
promotion, timing and budget components (docs/model.md section 7.11). `campaign` composes them."""
