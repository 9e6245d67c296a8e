"""Sellers' marketing: strategies composed of segmentation, product selection, channel,
promotion, timing and budget components (DESIGN section 5). `campaign` composes them."""
