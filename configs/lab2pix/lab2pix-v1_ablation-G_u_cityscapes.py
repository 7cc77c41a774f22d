# Table 1, row G_u: F_u + the sharpness enhancement loss L2 (lambda_2
# ramped 0 -> 1). This is exactly the official V1 code's model.
_base_ = ['./lab2pix-v1_cityscapes.py']
